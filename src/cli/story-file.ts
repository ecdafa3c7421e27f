// Story files: what `check --save` writes and `replay --file` reads (scenarios/*.json are the same
// format, with a lesson and the invariants the story must break). A design file is named relative
// to the story file, so a story and its design can be moved or committed together.

import { readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { checkPicks, checkWorkload, type Story } from '../check/story.ts';
import { suggest } from '../designs/load-design.ts';
import { fileProblem } from '../domain/file-problem.ts';
import { optionByName } from '../faults/pick-names.ts';
import { invariants } from '../invariants/index.ts';
import type { Pick } from '../kernel/index.ts';
import { makeFolder } from '../report/write-report.ts';
import { UsageError } from './usage-error.ts';

export interface StoryFile extends Story {
  /** What the story teaches, for a person reading the replay. */
  readonly lesson?: string;
  /** The invariants the story must break, exactly (empty: the design must hold). */
  readonly expect?: readonly string[];
}

/** The design spec with its design file (if any) named relative to `storyDir`. */
export function specRelativeTo(spec: string, storyDir: string): string {
  const [base = '', ...changes] = spec.split(',');
  if (!base.endsWith('.json')) return spec;
  const path = relative(resolve(storyDir), resolve(base)).split(sep).join('/');
  return [path, ...changes].join(',');
}

export async function saveStory(path: string, story: Story): Promise<void> {
  const dir = dirname(path);
  const saved = {
    ...story,
    design: specRelativeTo(story.design, dir),
    // The app config too is named from where the story lives.
    ...(story.app === undefined
      ? {}
      : { app: relative(resolve(dir), resolve(story.app)).split(sep).join('/') }),
  };
  await makeFolder(dir)
    .then(() => writeFile(path, `${JSON.stringify(saved, null, 2)}\n`))
    .catch((error: Error) => {
      throw new UsageError(`--save ${path}: cannot write the counterexample (${error.message})`);
    });
}

/** Whether `saved` has a story's shape: a design, a workload's intents and picks. */
function isStory(saved: unknown): saved is StoryFile {
  const story = saved as { design?: unknown; workload?: { intents?: unknown }; picks?: unknown } | null;
  return (
    typeof story?.design === 'string' && Array.isArray(story.workload?.intents) && Array.isArray(story.picks)
  );
}

/** The fields `--save` writes: a file with any other (a scenario's lesson or expect) is someone's work. */
const savedFields = new Set(['design', 'workload', 'picks', 'app']);

/** Whether `text` is a story as `--save` writes it, and nothing more: the only file `--save` may replace. */
export function isStoryText(text: string): boolean {
  try {
    const saved: unknown = JSON.parse(text);
    return isStory(saved) && Object.keys(saved).every((field) => savedFields.has(field));
  } catch {
    return false;
  }
}

/** `--save`: writes a search's counterexample, if it found one; returns what to tell the user. */
export async function saveCounterexample(
  path: string,
  report: { readonly runs: number; readonly counterexample?: { readonly story: Story } },
): Promise<string> {
  if (report.counterexample === undefined)
    return `\nNothing to save: no counterexample found in ${report.runs} runs.\n`;
  await saveStory(path, report.counterexample.story);
  return `\nSaved the counterexample to ${path}.\n`;
}

export async function loadStory(path: string): Promise<StoryFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--file ${path} ${fileProblem(error)}: expected a saved story, a .json file written by check --save`,
    );
  }
  let saved: StoryFile;
  try {
    saved = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--file ${path}: not a saved story, it is not valid JSON (${(error as Error).message})`,
    );
  }
  if (!isStory(saved)) {
    throw new UsageError(
      `--file ${path}: expected an object with design, workload.intents and picks, as written by \`paysim check --save\``,
    );
  }
  try {
    checkWorkload(saved.workload);
    saved = { ...saved, picks: checkPicks(saved.picks.map(savedPick)) };
  } catch (error) {
    throw new UsageError(`--file ${path}: ${(error as Error).message}`);
  }
  if (saved.app !== undefined && typeof saved.app !== 'string')
    throw new UsageError(`--file ${path}: app must be the path of a paysim.config file`);
  if (saved.expect !== undefined) {
    const names = invariants.map((i) => i.name);
    if (!Array.isArray(saved.expect))
      throw new UsageError(`--file ${path}: expect must be a list of invariant names`);
    for (const name of saved.expect)
      if (!names.includes(name))
        throw new UsageError(
          `--file ${path}: expect names unknown invariant "${name}"${suggest(name, names)}`,
        );
  }
  return saved;
}

/**
 * The `i`th pick of a story file, with an option given by name (`"index": "double-click"`, as on
 * the command line) made its number; checkPicks then holds every field to its type.
 */
function savedPick(pick: unknown, i: number): Pick {
  if (typeof pick !== 'object' || pick === null)
    throw new Error(
      `picks[${i}]: expected an object { "label", "nth", "index" }, e.g. { "label": "notify.lost", "nth": 0, "index": 1 }`,
    );
  const { label, index } = pick as Record<string, unknown>;
  if (typeof label !== 'string' || typeof index !== 'string') return pick as Pick;
  try {
    return { ...(pick as Pick), index: optionByName(label, index) };
  } catch (error) {
    throw new Error(`picks[${i}].index: ${(error as Error).message}`);
  }
}

/** `undefined` when the run broke exactly what the story expects; otherwise what differs, in words. */
export function expectationMismatch(
  expected: readonly string[],
  broken: readonly string[],
): string | undefined {
  const want = [...new Set(expected)].sort();
  const got = [...new Set(broken)].sort();
  if (want.join(',') === got.join(',')) return undefined;
  const expects = want.length === 0 ? 'hold every invariant' : `break exactly ${want.join(', ')}`;
  const did = got.length === 0 ? 'held every invariant' : `broke ${got.join(', ')}`;
  return `the story expects the design to ${expects}, but this run ${did}`;
}
