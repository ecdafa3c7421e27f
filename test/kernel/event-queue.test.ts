import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { expect } from 'vitest';
import { EventQueue } from '../../src/kernel/event-queue.ts';

test.prop([fc.array(fc.nat({ max: 50 }), { maxLength: 200 })])(
  'pops events in time order, breaking ties by the order they were scheduled',
  (times) => {
    const queue = new EventQueue<{ atMs: number; seq: number }>();
    for (const [seq, atMs] of times.entries()) queue.push({ atMs, seq });
    const popped: Array<{ atMs: number; seq: number }> = [];
    for (let item = queue.pop(); item !== undefined; item = queue.pop()) popped.push(item);
    const expected = times
      .map((atMs, seq) => ({ atMs, seq }))
      .sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
    expect(popped).toEqual(expected);
  },
);
