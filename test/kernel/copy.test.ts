import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyOf, ShapeCopier } from '../../src/kernel/copy.ts';

/** What a ShapeCopier must give: copyOf, then the extra fields set in order. */
function expected(source: object, extra: readonly string[], a: unknown, b: unknown): [string, unknown][] {
  const copy = copyOf(source);
  if (extra[0] !== undefined) copy[extra[0]] = a;
  if (extra[1] !== undefined) copy[extra[1]] = b;
  return Object.entries(copy);
}

const key = fc.constantFrom(
  'type',
  'orderId',
  'amount',
  'replyTo',
  'atMs',
  'requestId',
  '0',
  '12',
  'a-b',
  'it"s',
  '__proto__',
);
const plain = fc
  .array(
    fc.tuple(
      key,
      fc.oneof(
        fc.integer(),
        fc.string(),
        fc.constant(undefined),
        fc.constant(null),
        fc.constant({ inner: 1 }),
      ),
    ),
    { maxLength: 8 },
  )
  .map((entries) => {
    const object: Record<string, unknown> = {};
    for (const [k, v] of entries)
      Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true });
    return object;
  });

describe('ShapeCopier', () => {
  it('gives exactly copyOf plus the extra fields, keys in the same order, over many shapes at one copier', () => {
    for (const extra of [[], ['requestId'], ['replyTo', 'atMs']] as const) {
      fc.assert(
        fc.property(fc.array(plain, { minLength: 1, maxLength: 12 }), (objects) => {
          // A fresh copier per run: the generated literals for the first shapes, copyOf's loop past them.
          const copier = new ShapeCopier(extra);
          for (const [i, source] of objects.entries()) {
            const copy = copier.copy(source, `a${i}`, i);
            expect(Object.entries(copy)).toEqual(expected(source, extra, `a${i}`, i));
            expect(copy).not.toBe(source);
            // A `__proto__` key holding an object (or null) sets the copy's prototype, in copyOf too.
            expect(Object.getPrototypeOf(copy)).toBe(Object.getPrototypeOf(copyOf(source)));
          }
        }),
      );
    }
  });

  it('copies a shape it learned again and again through its literal, and shapes past its fourth key by key', () => {
    const copier = new ShapeCopier(['replyTo', 'atMs']);
    const shapes = [{ a: 1 }, { b: 2 }, { c: 3 }, { d: 4 }, { e: 5 }, { f: 6 }];
    for (let round = 0; round < 3; round++)
      for (const [i, source] of shapes.entries())
        expect(Object.entries(copier.copy(source, 'app', i))).toEqual([
          ...Object.entries(source),
          ['replyTo', 'app'],
          ['atMs', i],
        ]);
  });

  it('copies what copyOf copies: inherited enumerable keys too, symbol keys not', () => {
    const symbol = Symbol('s');
    const inherited = Object.assign(Object.create({ inherited: 1 }), { own: 2 });
    const withSymbol = { a: 1, [symbol]: 2 };
    for (const source of [inherited, withSymbol, inherited, withSymbol]) {
      const copy = new ShapeCopier().copy(source);
      expect(Object.entries(copy)).toEqual(Object.entries(copyOf(source)));
      expect(Object.getOwnPropertySymbols(copy)).toEqual([]);
    }
  });

  it('leaves the source as it was and shares nothing with it but the values', () => {
    const copier = new ShapeCopier(['replyTo', 'atMs']);
    const source = { type: 'pay', replyTo: 'app', nested: { x: 1 } };
    const copy = copier.copy(source, 'pc', 5);
    expect(copy).toEqual({ type: 'pay', replyTo: 'pc', nested: { x: 1 }, atMs: 5 });
    expect(source).toEqual({ type: 'pay', replyTo: 'app', nested: { x: 1 } });
    expect(copy.nested).toBe(source.nested);
  });
});
