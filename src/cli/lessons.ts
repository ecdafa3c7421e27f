// The course: each lesson in scenarios/lessons/ names a broken story and its fixed twin (the same
// workload and deviations against a design with the fix) and explains the difference to a new
// engineer. Lessons are numbered by their file names.

import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Counterexample, replay } from '../check/explore.ts';
import type { RunResult } from '../check/simulate.ts';
import type { Design } from '../designs/design.ts';
import { resolveDesign } from '../designs/load-design.ts';
import { allFaults } from '../faults/catalogue.ts';
import { loadStory, type StoryFile } from './story-file.ts';
import { UsageError } from './usage-error.ts';

export const lessonsDir = fileURLToPath(new URL('../../scenarios/lessons/', import.meta.url));

export interface Lesson {
  readonly number: number;
  readonly title: string;
  readonly explanation: string;
  /** Absolute paths of the two story files. */
  readonly broken: string;
  readonly fixed: string;
}

export async function listLessons(dir = lessonsDir): Promise<Lesson[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file, i) => {
      const path = join(dir, file);
      const lesson = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
      for (const field of ['title', 'explanation', 'broken', 'fixed'])
        if (typeof lesson[field] !== 'string')
          throw new UsageError(`lesson ${path}: ${field} must be a string`);
      return {
        number: i + 1,
        title: lesson.title as string,
        explanation: lesson.explanation as string,
        broken: join(dirname(path), lesson.broken as string),
        fixed: join(dirname(path), lesson.fixed as string),
      };
    }),
  );
}

/** A lesson pointed to from a counterexample: `sameWay` names a deviation their stories share. */
export type PointedLesson = Lesson & { readonly sameWay?: string };

/**
 * A lesson whose broken story breaks `invariant` (as its story file says, which the tests hold it
 * to): the first whose deviations share a choice with `picks` (the same way of breaking it, named
 * in `sameWay`), else the first at all.
 */
export async function lessonBreaking(
  invariant: string,
  picks: readonly { readonly label: string }[] = [],
): Promise<PointedLesson | undefined> {
  let first: Lesson | undefined;
  for (const lesson of await listLessons()) {
    const story = await loadStory(lesson.broken);
    if (!story.expect?.includes(invariant)) continue;
    const shared = story.picks.find((p) => picks.some((q) => q.label === p.label));
    if (shared !== undefined) return { ...lesson, sameWay: shared.label };
    first ??= lesson;
  }
  return first;
}

/** The lesson to point a counterexample to (see lessonBreaking), if any. */
export async function lessonFor(c: Counterexample | undefined): Promise<PointedLesson | undefined> {
  const invariant = c?.violations[0]?.invariant;
  return c === undefined || invariant === undefined ? undefined : lessonBreaking(invariant, c.story.picks);
}

export interface ReplayedStory {
  readonly story: StoryFile;
  readonly design: Design;
  readonly result: RunResult;
  /** The command that replays this story from the current folder. */
  readonly replayLine: string;
}

export async function replayStoryFile(path: string): Promise<ReplayedStory> {
  const story = await loadStory(path);
  const design = await resolveDesign(story.design, dirname(path));
  const result = await replay(design, story, { faults: new Set(allFaults) });
  return { story, design, result, replayLine: `npx paysim replay --file ${relative(process.cwd(), path)}` };
}
