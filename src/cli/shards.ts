// `check --shard i/n` and `merge`: one seed's runs split between CI runners. Each shard's --json
// result carries a `shard` section naming the whole search; merging checks that the results are
// shards of one search, and the smallest failing run index among them wins. That shard has shrunk
// its failing run exactly as a single-thread search would have (fast-check's `path`), so the
// merged verdict is the single run's: same first failing run, same shrunk story, same trace.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { controlCharacters, type ErrorKind, keyOf, longestMessage } from '../check/error-tally.ts';
import { type Shard, shardRange } from '../check/pool.ts';
import { checkPicks, formatReplayCommand, formatWorkload, parseWorkload } from '../check/story.ts';
import type { Design } from '../designs/design.ts';
import { allFaults } from '../faults/catalogue.ts';
import { formatPicks, type MachineEngine, type Pick, parsePicks } from '../kernel/index.ts';
import type { Workload } from '../services/workload.ts';
import { UsageError } from './usage-error.ts';

/** `--shard 2/4`: the second of four shards. */
export function shardOption(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count)
    throw new UsageError(
      `--shard expects i/n with 1 ≤ i ≤ n (the i-th of n shards, e.g. 1/4), got "${text}"`,
    );
  return { index, count };
}

/** The `shard` section of a shard's --json result: which part it searched, of which search. */
export interface ShardSection {
  readonly index: number;
  readonly count: number;
  /** 1-based, inclusive: the runs of the seed this shard searched. */
  readonly firstRun: number;
  readonly lastRun: number;
  /** The whole search, as the command that runs it on one machine. */
  readonly check: string;
  readonly design: string;
  /** A digest of the design as it ran: a design file edited between shards gives another. */
  readonly designDigest?: string;
  readonly seed: number;
  readonly runs: number;
  readonly orders: number;
  readonly faults: readonly string[];
  readonly engine?: MachineEngine;
  readonly app?: string;
}

/** The design's settings, keys sorted at every level, hashed: the same design however its file orders them. */
export function designDigest(design: Design): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : typeof value === 'object' && value !== null
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
          )
        : value;
  const { name: _, description: __, ...settings } = design;
  return createHash('sha256')
    .update(JSON.stringify(canonical(settings)))
    .digest('hex')
    .slice(0, 16);
}

export function shardJson(
  shard: Shard,
  s: {
    design: Design;
    seed: number;
    runs: number;
    maxOrders: number;
    faults: readonly string[];
    engine?: MachineEngine;
    app?: string;
    rerun: string;
  },
): ShardSection {
  const { from, to } = shardRange(s.runs, shard);
  return {
    index: shard.index,
    count: shard.count,
    firstRun: from + 1,
    lastRun: to,
    check: s.rerun,
    design: s.design.name,
    designDigest: designDigest(s.design),
    seed: s.seed,
    runs: s.runs,
    orders: s.maxOrders,
    faults: s.faults,
    ...(s.engine === undefined ? {} : { engine: s.engine }),
    ...(s.app === undefined ? {} : { app: s.app }),
  };
}

/** What merge reads from a shard's --json result. */
export interface ShardResult {
  readonly file: string;
  readonly shard: ShardSection;
  readonly elapsedMs: number;
  /** What your code threw in the shard's runs, if every one of them held (else empty), those a fault may explain too. */
  readonly handlerErrors: readonly ErrorKind[];
  /** The environment variables the shard's --app config read as it loaded, by name. */
  readonly appEnvironment: readonly string[];
  readonly counterexample?: {
    readonly foundAtRun: number;
    readonly shrinks: number;
    readonly workload: Workload;
    readonly picks: readonly Pick[];
    readonly traceHash: string;
  };
}

export async function readShardResult(file: string): Promise<ShardResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `${file}: no such file`
        : code === 'EISDIR'
          ? `${file} is a folder: give the shards' result files in it (${file.replace(/\/$/, '')}/shard-*.json)`
          : `${file}: cannot be read (${code})`,
    );
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new UsageError(
      `${file}: not JSON; give the output of \`paysim check --shard i/n --json\` (stdout only)`,
    );
  }
  const problem = (what: string) =>
    new UsageError(`${file}: ${what}; merge takes the output of \`paysim check --shard i/n --json\``);
  if (typeof doc !== 'object' || doc === null) throw problem('not a check result');
  if (typeof doc.error === 'object' && doc.error !== null)
    throw problem(`that shard stopped with an error (${(doc.error as { message?: string }).message})`);
  if (doc.interrupted === true) throw problem('that shard was interrupted before it finished');
  const shard = doc.shard as ShardSection | undefined;
  const fields: [keyof ShardSection, string][] = [
    ['index', 'number'],
    ['count', 'number'],
    ['firstRun', 'number'],
    ['lastRun', 'number'],
    ['check', 'string'],
    ['design', 'string'],
    ['seed', 'number'],
    ['runs', 'number'],
    ['orders', 'number'],
  ];
  if (typeof shard !== 'object' || shard === null)
    throw problem('a check result without a shard section (was it run with --shard?)');
  for (const [field, type] of fields)
    if (typeof shard[field] !== type) throw problem(`its shard section has no ${field}`);
  if (!Array.isArray(shard.faults)) throw problem('its shard section has no faults');
  const valid =
    Number.isSafeInteger(shard.count) &&
    Number.isSafeInteger(shard.index) &&
    shard.index >= 1 &&
    shard.index <= shard.count &&
    Number.isSafeInteger(shard.runs) &&
    shard.count <= shard.runs;
  const range = valid ? shardRange(shard.runs, shard) : undefined;
  if (range === undefined || range.from + 1 !== shard.firstRun || range.to !== shard.lastRun)
    throw problem(
      `its shard section says ${runRange(shard.firstRun, shard.lastRun)} for shard ${shard.index}/${shard.count} of ${shard.runs} runs, which is not that shard's part`,
    );
  if (doc.verdict !== 'held' && doc.verdict !== 'violated')
    throw problem(`its verdict is ${JSON.stringify(doc.verdict)}, not held or violated`);
  const c = doc.counterexample as ShardResult['counterexample'] | null | undefined;
  if (
    doc.verdict === 'violated' &&
    (typeof c !== 'object' ||
      c === null ||
      !Number.isSafeInteger(c.foundAtRun) ||
      c.foundAtRun < shard.firstRun ||
      c.foundAtRun > shard.lastRun)
  )
    throw problem('a violated verdict without its counterexample (a failing run of the shard)');
  const held = doc.verdict === 'held';
  const handlerErrors = held ? errorKindsOf(doc.handlerErrors, shard) : [];
  if (typeof handlerErrors === 'string') throw problem(`its handlerErrors: ${handlerErrors}`);
  const explainedErrors = held ? errorKindsOf(doc.explainedErrors, shard, true) : [];
  if (typeof explainedErrors === 'string') throw problem(`its explainedErrors: ${explainedErrors}`);
  const appEnvironment = doc.appEnvironment ?? [];
  if (
    !Array.isArray(appEnvironment) ||
    !appEnvironment.every((name) => typeof name === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(name))
  )
    throw problem('its appEnvironment is not a list of environment variable names');
  return {
    file,
    shard,
    elapsedMs: typeof doc.elapsedMs === 'number' ? doc.elapsedMs : 0,
    handlerErrors: [...handlerErrors, ...explainedErrors],
    appEnvironment,
    ...(doc.verdict === 'violated' && c ? { counterexample: c } : {}),
  };
}

/** What a shell would act on in a replay line, rather than pass to paysim. */
const shellSyntax = /[;&|`$<>(){}\\\n]/;

/**
 * The errors your code threw, as a shard listed them, or what is wrong with the list: each kind
 * once, counted in at most the shard's runs, first seen in one of them, printable as it stands.
 * Only the fields paysim writes are kept.
 */
function errorKindsOf(kinds: unknown, shard: ShardSection, explained = false): ErrorKind[] | string {
  if (!Array.isArray(kinds))
    return 'missing, or not a list (was the shard run by another version of paysim?)';
  const size = shard.lastRun - shard.firstRun + 1;
  const seen = new Set<string>();
  const out: ErrorKind[] = [];
  for (const [i, value] of kinds.entries()) {
    const k = value as Record<string, unknown>;
    const at = `entry ${i + 1}`;
    if (typeof k !== 'object' || k === null) return `${at} is not an object`;
    for (const field of ['owner', 'handler', 'error', 'message'])
      if (
        typeof k[field] !== 'string' ||
        controlCharacters.test(k[field] as string) ||
        (k[field] as string).length > longestMessage
      )
        return `${at}: ${field} is not one line of text of at most ${longestMessage} characters`;
    if (k.owner !== 'pc' && k.owner !== 'app')
      return `${at}: owner is ${JSON.stringify(k.owner)}, not pc or app`;
    if (!Number.isSafeInteger(k.runs) || (k.runs as number) < 1 || (k.runs as number) > size)
      return `${at}: runs is ${JSON.stringify(k.runs)}, not a count from 1 to the shard's ${size} runs`;
    if (
      !Number.isSafeInteger(k.firstRun) ||
      (k.firstRun as number) < shard.firstRun ||
      (k.firstRun as number) > shard.lastRun
    )
      return `${at}: firstRun is ${JSON.stringify(k.firstRun)}, not one of the shard's ${runRange(shard.firstRun, shard.lastRun)}`;
    const story = storyOf(k, shard);
    if (typeof story === 'string') return `${at}: ${story}`;
    const kind = {
      owner: k.owner,
      handler: k.handler as string,
      error: k.error as string,
      message: k.message as string,
      ...(explained ? { explained: true as const } : {}),
      runs: k.runs as number,
      firstRun: k.firstRun as number,
      ...story,
    };
    const key = keyOf(kind);
    if (seen.has(key)) return `${at} is a kind listed before it`;
    seen.add(key);
    out.push(kind);
  }
  return out;
}

/**
 * A kind's first run as paysim writes it (its workload, its picks and the replay line made of them,
 * all three or none), or what is wrong with it: the line must be the one they make, so that what
 * the merged verdict shows is what the line replays.
 */
function storyOf(
  k: Record<string, unknown>,
  shard: ShardSection,
): { workload: Workload; picks: Pick[]; replay: string } | Record<string, never> | string {
  const given = ['workload', 'picks', 'replay'].filter((field) => k[field] !== undefined);
  if (given.length === 0) return {};
  if (given.length < 3) return 'workload, picks and replay come together, or not at all';
  let workload: Workload;
  let picks: Pick[];
  try {
    workload = parseWorkload(formatWorkload(k.workload as Workload));
    picks = [...checkPicks(parsePicks(formatPicks(k.picks as Pick[])))];
  } catch {
    return 'workload or picks is not one paysim writes';
  }
  if (!isDeepStrictEqual(workload, k.workload) || !isDeepStrictEqual(picks, k.picks))
    return 'workload or picks is not one paysim writes';
  const replay = formatReplayCommand({ design: shard.design, workload, picks, app: shard.app });
  if (k.replay !== replay) {
    const line = String(k.replay);
    const disagrees = !line.includes(` --workload ${formatWorkload(workload)}`)
      ? 'its workload differs'
      : line.includes(' --picks "') !== picks.length > 0 ||
          (picks.length > 0 && !line.includes(` --picks "${formatPicks(picks)}"`))
        ? 'its picks differ'
        : 'the rest of it differs';
    return `replay is not the line its workload and picks make (${disagrees}; expected ${JSON.stringify(replay)})`;
  }
  if (controlCharacters.test(replay) || shellSyntax.test(replay.replace(/--picks "[^"]*"/, '')))
    return 'replay would not reach paysim as it stands (the design or --app names shell syntax)';
  return { workload, picks, replay };
}

/** The fields that make shards parts of one search, as `check` options for messages. */
const sameSearch: [keyof ShardSection, (s: ShardSection) => string][] = [
  ['design', (s) => `--design ${s.design}`],
  ['seed', (s) => `--seed ${s.seed}`],
  ['runs', (s) => `--runs ${s.runs}`],
  ['orders', (s) => `--orders ${s.orders}`],
  ['faults', (s) => `--faults ${faultList(s.faults)}`],
  ['engine', (s) => `--engine ${s.engine ?? 'default'}`],
  ['app', (s) => (s.app === undefined ? 'no --app' : `--app ${s.app}`)],
  ['count', (s) => `--shard i/${s.count}`],
];

/** A shard's fault list as --faults takes it: `all` for every fault, rather than 42 names. */
function faultList(faults: readonly string[]): string {
  const given = new Set(faults);
  if (given.size === allFaults.length && allFaults.every((f) => given.has(f))) return 'all';
  return [...given].sort().join(',') || 'none';
}

/**
 * The winning shard of a set of results: the one holding the smallest failing run, or none when
 * every run held. Refuses results of different searches, a shard given twice, and a missing shard
 * whose runs could hold a smaller failing run than the ones found.
 */
export function mergeShards(results: readonly ShardResult[]): ShardResult | undefined {
  const [first] = results;
  if (first === undefined) throw new UsageError('merge needs the --json results of every shard');
  for (const r of results.slice(1)) {
    for (const [, show] of sameSearch) {
      const [a, b] = [show(first.shard), show(r.shard)];
      if (a !== b)
        throw new UsageError(
          `${r.file} is a shard of another search than ${first.file} (${b}, not ${a}): merge the shards of one search`,
        );
    }
    // The same design spec, but a design file edited between the shards.
    if (r.shard.designDigest !== first.shard.designDigest)
      throw new UsageError(
        `${r.file} ran ${r.shard.design} with other settings than ${first.file} did: the design file changed between the shards; run every shard on the same design and merge again`,
      );
  }
  const seen = new Map<number, string>();
  for (const r of results) {
    const other = seen.get(r.shard.index);
    if (other !== undefined)
      throw new UsageError(
        `${other} and ${r.file} are both shard ${r.shard.index}/${r.shard.count}: give each shard once`,
      );
    seen.set(r.shard.index, r.file);
  }
  const failed = results.filter((r) => r.counterexample !== undefined);
  const winner = failed.reduce<ShardResult | undefined>(
    (best, r) =>
      best === undefined || (r.counterexample?.foundAtRun ?? 0) < (best.counterexample?.foundAtRun ?? 0)
        ? r
        : best,
    undefined,
  );
  const { count, runs } = first.shard;
  const firstFailure = winner?.counterexample?.foundAtRun ?? Number.POSITIVE_INFINITY;
  // A missing shard matters only if its runs start before the first failure found.
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => {
    const { from } = shardRange(runs, { index, count });
    return !seen.has(index) && from + 1 < firstFailure;
  });
  if (missing.length > 0) {
    const ranges = missing.map((index) => {
      const { from, to } = shardRange(runs, { index, count });
      return `${index}/${count} (${runRange(from + 1, to)})`;
    });
    const commands = missing.map((index) => `${first.shard.check} --shard ${index}/${count} --json`);
    throw new UsageError(
      `shard${missing.length === 1 ? '' : 's'} ${ranges.join(', ')} missing: ${winner ? `a run there could fail before run ${firstFailure}` : 'without it the search is incomplete'}; run ${commands.map((c) => `\`${c}\``).join(', ')} and merge again`,
    );
  }
  return winner;
}

/** `runs 3-4`, or `run 3` for one. */
export function runRange(first: number, last: number): string {
  return first === last ? `run ${first}` : `runs ${first}-${last}`;
}
