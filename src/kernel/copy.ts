/**
 * `{ ...object }` for the simulator's plain data (messages, contexts): the same keys in the same
 * order, copied key by key. A spread site that sees many shapes (every kind of message, every
 * machine's context) takes V8's slow path; this loop does not. Only for plain objects: `for…in`
 * would also copy enumerable keys of a prototype other than Object's.
 */
export function copyOf<T extends object>(object: T): T & Record<string, unknown> {
  const source = object as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key in source) copy[key] = source[key];
  return copy as T & Record<string, unknown>;
}

/**
 * `{ ...base, ...fields }` (the same keys, in the same order) for plain data. V8 (Node 20) makes
 * `{ ...base, key: value }` pay about 0.7 µs for each key after the spread, far more than the copy.
 */
export function extend<T extends object, U extends object>(base: T, fields: U): Omit<T, keyof U> & U {
  const copy: Record<string, unknown> = copyOf(base);
  const more = fields as Record<string, unknown>;
  for (const key in more) copy[key] = more[key];
  return copy as unknown as Omit<T, keyof U> & U;
}
