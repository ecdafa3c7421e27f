// Which entity and replica hold each live timer or in-flight handler of a host, by id, so that a
// replica's crash drops the right actors. A few entries are live at a time: kept in parallel arrays,
// in the order added, where a small Map reallocated its table each time it emptied and filled again.

export class Holdings {
  private readonly ids: number[] = [];
  private readonly keys: string[] = [];
  private readonly replicas: number[] = [];

  add(id: number, key: string, replica: number): void {
    this.ids.push(id);
    this.keys.push(key);
    this.replicas.push(replica);
  }

  delete(id: number): void {
    const at = this.ids.lastIndexOf(id);
    if (at >= 0) this.removeAt(at);
  }

  /** The entity keys held by `replica`, in the order added. */
  keysOf(replica: number): string[] {
    const keys: string[] = [];
    for (let i = 0; i < this.ids.length; i++)
      if (this.replicas[i] === replica) keys.push(this.keys[i] as string);
    return keys;
  }

  /** Forgets everything `replica` held. */
  dropReplica(replica: number): void {
    for (let i = this.ids.length - 1; i >= 0; i--) {
      if (this.replicas[i] === replica) this.removeAt(i);
    }
  }

  /** `splice(at, 1)` on each array, without the array splice returns. */
  private removeAt(at: number): void {
    const { ids, keys, replicas } = this;
    for (let i = at + 1; i < ids.length; i++) {
      ids[i - 1] = ids[i] as number;
      keys[i - 1] = keys[i] as string;
      replicas[i - 1] = replicas[i] as number;
    }
    ids.pop();
    keys.pop();
    replicas.pop();
  }
}

/** A Set made on first add: most runs never crash or time out, and a host per service per run made three. */
export class LazySet<T> {
  private set: Set<T> | undefined;

  get size(): number {
    return this.set?.size ?? 0;
  }

  add(value: T): void {
    this.set ??= new Set();
    this.set.add(value);
  }

  has(value: T): boolean {
    return this.set?.has(value) ?? false;
  }

  delete(value: T): void {
    this.set?.delete(value);
  }

  clear(): void {
    this.set?.clear();
  }

  /** A copy of the values, in the order added: safe to iterate while the set changes. */
  values(): T[] {
    return this.set === undefined ? [] : [...this.set];
  }
}
