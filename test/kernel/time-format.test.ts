// Virtual time as stories print it, and a span of it in the unit that reads best, as the verdicts
// state bounds and delays.

import { expect, it } from 'vitest';
import { formatDuration, formatTime } from '../../src/kernel/time-format.ts';

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

it('a story time shows hours once a run passes one, or beside a time that does', () => {
  expect(formatTime(2_188)).toBe('00:02.188');
  expect(formatTime(43_200_036)).toBe('12h00:00.036');
  expect(formatTime(2_188, true)).toBe('0h00:02.188');
});
