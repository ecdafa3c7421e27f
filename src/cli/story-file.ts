// Story files: what `check --save` writes and `replay --file` reads (scenarios/*.json are the same
// format, with a lesson and the invariants the story must break). A design file is named relative
// to the story file, so a story and its design can be moved or committed together.

import { readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { checkPicks, checkWorkload, type Story } from '../check/story.ts';
import { suggest } from '../designs/load-design.ts';
import { fileProblem } from '../domain/file-problem.ts';
import { invariants } from '../invariants/index.ts';
import type { Pick } from '../kernel/index.ts';
import { optionByName } from './pick-names.ts';
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
  await writeFile(path, `${JSON.stringify(saved, null, 2)}\n`).catch((error: Error) => {
    throw new UsageError(`--save ${path}: cannot write the counterexample (${error.message})`);
  });
}

/** Whether `text` is a story file (what `--save` writes, or a scenario): one `--save` may replace. */
export function isStoryText(text: string): boolean {
  try {
    const saved = JSON.parse(text);
    return (
      typeof saved?.design === 'string' &&
      Array.isArray(saved.workload?.intents) &&
      Array.isArray(saved.picks)
    );
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
  if (!isStoryText(text)) {
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
 * The `i`th pick of a story file, as typed: JSON checks nothing, and a pick with a fractional or
 * missing number would never match its choice point, so the story would replay without it. The
 * option may be named, as on the command line (`"index": "double-click"`).
 */
function savedPick(pick: unknown, i: number): Pick {
  const field = `picks[${i}]`;
  if (typeof pick !== 'object' || pick === null)
    throw new Error(
      `${field}: expected an object { "label", "nth", "index" }, e.g. { "label": "notify.lost", "nth": 0, "index": 1 }`,
    );
  const { label, nth, index } = pick as Record<string, unknown>;
  if (typeof label !== 'string')
    throw new Error(
      `${field}.label: expected a fault id (\`paysim faults\` lists them), got ${shown(label)}`,
    );
  if (!Number.isSafeInteger(nth) || (nth as number) < 0)
    throw new Error(
      `${field}.nth: expected a whole number of 0 or more (which time the choice is asked, from 0), got ${shown(nth)}`,
    );
  if (typeof index === 'string') {
    try {
      return { label, nth: nth as number, index: optionByName(label, index) };
    } catch (error) {
      throw new Error(`${field}.index: ${(error as Error).message}`);
    }
  }
  if (!Number.isSafeInteger(index) || (index as number) < 1)
    throw new Error(
      `${field}.index: expected the option, a whole number of 1 or more or its name (\`paysim faults\` lists them), got ${shown(index)}`,
    );
  return { label, nth: nth as number, index: index as number };
}

/** A value from a JSON file as it was written: a string in quotes. */
const shown = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

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
