// A span of virtual time in the unit that reads best, as the verdicts state bounds and delays.

import { expect, it } from 'vitest';
import { formatDuration } from '../../src/kernel/time-format.ts';

it.each([
  [800, '800 ms'],
  [5_000, '5 s'],
  [7_412, '7.4 s'],
  [90_000, '1.5 min'],
  [1_800_000, '30 min'],
  [9_000_000, '2.5 h'],
])('%i ms reads %s', (ms, text) => {
  expect(formatDuration(ms)).toBe(text);
});
