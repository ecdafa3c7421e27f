import { describe, expect, it } from 'vitest';
import { lessonBreaking, listLessons, replayStoryFile } from '../../src/cli/lessons.ts';
import { paysim } from './paysim.ts';

const lessons = await listLessons();

describe('the course', () => {
  it('points a failing check to the lesson that breaks the same invariant, the same way if one does', async () => {
    const titleOf = async (invariant: string, labels: string[] = []) =>
      (
        await lessonBreaking(
          invariant,
          labels.map((label) => ({ label })),
        )
      )?.title;
    expect(await titleOf('inert-bad-input')).toMatch(/tampered/);
    expect(await titleOf('inert-bad-input', ['clock.skew', 'notify.replayed'])).toMatch(/replayed/i);
    expect(await titleOf('exactly-once-fulfilment', ['forward.duplicated'])).toMatch(/forward/i);
    expect(await titleOf('no-such-invariant')).toBeUndefined();
  });

  it('has lessons, each with a title and an explanation', () => {
    expect(lessons.length).toBeGreaterThanOrEqual(5);
    for (const l of lessons) expect(l.explanation.length).toBeGreaterThan(80);
  });

  it.each(lessons.map((l) => [l.number, l.title, l] as const))(
    'lesson %i (%s): the broken story breaks, and its twin, the same story with the fix, holds',
    async (_, __, lesson) => {
      const broken = await replayStoryFile(lesson.broken);
      const fixed = await replayStoryFile(lesson.fixed);
      expect(broken.story.expect?.length).toBeGreaterThan(0);
      expect([...new Set(broken.result.violations.map((v) => v.invariant))].sort()).toEqual(
        [...(broken.story.expect ?? [])].sort(),
      );
      expect(fixed.story.expect).toEqual([]);
      expect(fixed.result.violations).toEqual([]);
      // A twin: the same purchases and the same deviations, all of them taken; only the design differs.
      expect(fixed.story.workload).toEqual(broken.story.workload);
      expect(fixed.story.picks).toEqual(broken.story.picks);
      expect(fixed.result.picks).toEqual(fixed.story.picks);
      const { name: _b, description: _bd, ...brokenSettings } = broken.design;
      const { name: _f, description: _fd, ...fixedSettings } = fixed.design;
      expect(fixedSettings).not.toEqual(brokenSettings);
    },
  );
});

describe('paysim learn', () => {
  it('lists the lessons', () => {
    const r = paysim(['learn']);
    expect(r.code).toBe(0);
    expect(r.out.match(/^ +\d+\. /gm)).toHaveLength(lessons.length);
    expect(r.out).toContain(' 3. A double click creates two orders');
  });

  it('replays lesson 3 with its explanation, the broken story, what the fix changes and the twin', () => {
    const r = paysim(['learn', '3']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^Lesson 3 of \d+: A double click creates two orders\n\nThe user double-clicks submit/,
    );
    expect(r.out).toContain('npx paysim replay --file scenarios/seed-redis-race.json');
    expect(r.out).toMatch(/✗ no-duplicate-orders/);
    expect(r.out).toMatch(
      /What the design changes:\n {2}dedupe: mode check-then-set, ttlMs 10000 → mode set-nx, ttlMs 10000\n/,
    );
    expect(r.out).toContain('npx paysim replay --file scenarios/set-nx-rejects-double-click.json');
    expect(r.out).toMatch(/As expected: every invariant held\./);
    expect(r.out).toContain('Next: npx paysim learn 4');
  });

  it.each(['0', '99', 'three'])('rejects lesson "%s" with the range, exit 2', (which) => {
    const r = paysim(['learn', which]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`no lesson "${which}"; give a number from 1 to ${lessons.length}`));
  });
});
