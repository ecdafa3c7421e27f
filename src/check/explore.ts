// Property-based exploration: fast-check generates workloads and fault scripts, runs each through
// the simulator, and shrinks any run that breaks an invariant to the smallest story that still
// does. The result says what held, or gives that story with its exact replay.

import fc from 'fast-check';
import { ContractError } from '../adapters/service-ports.ts';
import type { Design } from '../designs/design.ts';
import { resolveDesign } from '../designs/load-design.ts';
import { designTimers } from '../designs/timers.ts';
import { allFaults, idleBecause } from '../faults/catalogue.ts';
import type { Violation } from '../invariants/index.ts';
import {
  formatPicks,
  type MachineEngine,
  type Pick,
  type RawPick,
  ScriptedChoices,
} from '../kernel/index.ts';
import { payBehaviours } from '../machines/user.machine.ts';
import { payMoments } from '../services/users.ts';
import type { Workload } from '../services/workload.ts';
import {
  picksArbitrary,
  plainPicksArbitrary,
  type Reach,
  type TimerFocus,
  workloadArbitrary,
} from './arbitraries.ts';
import { type ErrorKind, ErrorTally, isExpected, isOfKind, oneLine } from './error-tally.ts';
import { checkSearchOptions, isDesign, isIdList } from './explore-options.ts';
import { type BusinessAppFactory, type PaymentCenterFactory, type RunResult, simulate } from './simulate.ts';
import { checkPicks, formatReplayCommand, type Story } from './story.ts';

export interface ExploreOptions {
  readonly design: Design;
  readonly runs: number;
  readonly seed: number;
  readonly maxOrders: number;
  readonly faults: ReadonlySet<string>;
  readonly paymentCenter?: PaymentCenterFactory;
  readonly businessApp?: BusinessAppFactory;
  /** The `--app` config those services came from, named in the story's replay line. */
  readonly app?: string;
  /**
   * `aimed` (the default): picks aimed at reached choice points, faults drawn as a swarm. `plain`:
   * the earlier uniform search, kept so the benchmark can show what aiming buys.
   */
  readonly search?: 'aimed' | 'plain';
  /** Which interpreter runs the machines: `compiled` (the default) or `xstate`, the reference. */
  readonly engine?: MachineEngine;
  /** Errors your code throws on purpose, named as ErrorKind.error (`BusyError`): not listed among the errors it threw. */
  readonly expectedErrors?: readonly string[];
  /** Called after every run (shrinking runs included), e.g. to draw a progress bar. */
  readonly onRun?: (done: number, result: RunResult) => void;
}

export interface Counterexample {
  readonly story: Story;
  readonly violations: readonly Violation[];
  readonly result: RunResult;
  /** The 1-based generated run that first failed, before shrinking. */
  readonly foundAtRun: number;
  readonly shrinks: number;
}

export interface ExploreReport {
  readonly design: string;
  readonly seed: number;
  readonly runs: number;
  readonly counterexample?: Counterexample;
  /** What your own code threw in a search that passed (see error-tally.ts), each with its replay line. */
  readonly handlerErrors?: readonly ErrorKind[];
  /** What it threw where a fault may explain it: left out of `handlerErrors`, never failed on. */
  readonly explainedErrors?: readonly ErrorKind[];
  /** Names in `expectedErrors` that no run threw (a misspelling, or a path the search never took). */
  readonly unthrownExpectedErrors?: readonly string[];
}

export async function explore(options: ExploreOptions): Promise<ExploreReport> {
  checkSearchOptions('explore', options);
  let done = 0;
  const tally = new ErrorTally();
  const property = await searchProperty(options, (result) => {
    // Until a run fails, the runs come in index order; after, they are shrinking runs.
    tally.add(done, result.handlerErrors);
    done++;
    options.onRun?.(done, result);
  });
  const details = await fc.check(property, {
    numRuns: options.runs,
    seed: options.seed,
    endOnFailure: false,
  });
  const report = { design: options.design.name, seed: options.seed, runs: details.numRuns };
  if (!details.failed || details.counterexample === null)
    return withErrorsTold(options, report, tally.kinds());
  return { ...report, counterexample: await counterexampleOf(options, details, details.numRuns) };
}

/** A passing search's report, with what your code threw if it threw anything. */
export function withHandlerErrors<R extends ExploreReport>(
  report: R,
  kinds: readonly ErrorKind[],
  unthrown: readonly string[] = [],
): R {
  const unexplained = kinds.filter((k) => !k.explained);
  const explained = kinds.filter((k) => k.explained);
  return {
    ...report,
    ...(unexplained.length === 0 ? {} : { handlerErrors: unexplained }),
    ...(explained.length === 0 ? {} : { explainedErrors: explained }),
    ...(unthrown.length === 0 ? {} : { unthrownExpectedErrors: unthrown }),
  };
}

/**
 * A passing search's report with every kind of error it saw told: replay lines made, the expected
 * ones left out, and the names in `expectedErrors` that no run threw.
 */
export async function withErrorsTold<R extends ExploreReport>(
  options: ExploreOptions,
  report: R,
  kinds: readonly ErrorKind[],
): Promise<R> {
  const unthrown = (options.expectedErrors ?? []).filter((name) => !kinds.some((k) => k.error === name));
  return withHandlerErrors(report, await replayable(options, kinds), unthrown);
}

/** How many kinds of error get a replay line. */
const replayedKinds = 20;

/**
 * The kinds of error to tell (not the expected ones); those no fault explains each with the first
 * run it came in, its orders and deviations cut down to those it needs to throw that kind while every
 * invariant holds, and its replay line.
 */
async function replayable(options: ExploreOptions, kinds: readonly ErrorKind[]): Promise<ErrorKind[]> {
  const out: ErrorKind[] = [];
  let replayed = 0;
  for (const kind of kinds) {
    if (isExpected(kind, options.expectedErrors)) continue;
    // Each costs a few runs; past the first ones (the text shows ten), the count says enough.
    if (kind.explained || replayed++ >= replayedKinds) {
      out.push(kind);
      continue;
    }
    const { story: first, result } = await storyAt(options, kind.firstRun - 1);
    const throws = (r: RunResult) =>
      r.violations.length === 0 && r.handlerErrors.some((e) => isOfKind(kind, e));
    const cut = await cutDown(options, first.workload, first.picks, throws, result);
    const story = { ...first, workload: cut.workload, picks: cut.picks };
    // Told as the cut-down run throws it (its message may name another order than the first run's).
    const thrown = cut.result.handlerErrors.find((e) => isOfKind(kind, e));
    out.push({
      ...kind,
      ...(thrown === undefined ? {} : { message: oneLine(thrown.message) }),
      workload: cut.workload,
      picks: cut.picks,
      replay: formatReplayCommand(story),
    });
  }
  return out;
}

/** The story of the run at 0-based `index` of the search with this seed, failing or not, and its result. */
export async function storyAt(
  options: ExploreOptions,
  index: number,
): Promise<{ story: Story; result: RunResult }> {
  let found: { story: Story; result: RunResult } | undefined;
  const property = await searchProperty(options, (result, [workload]) => {
    const story = {
      design: options.design.name,
      workload,
      picks: result.picks,
      ...(options.app === undefined ? {} : { app: options.app }),
    };
    found = { story, result };
  });
  await fc.check(property, { numRuns: 1, seed: options.seed, path: String(index), endOnFailure: true });
  if (found === undefined) throw new Error(`run ${index + 1} of seed ${options.seed} could not be run again`);
  return found;
}

/** A generated run: the workload and the raw picks, as fast-check generates them. */
export type Generated = [Workload, RawPick[]];

/**
 * The property a search checks: the same arbitraries (aimed at this design's reach and timers)
 * whether it runs here or in a worker thread, so that run index i is the same run everywhere.
 */
export async function searchProperty(
  options: ExploreOptions,
  onRun?: (result: RunResult, generated: Generated) => void,
): Promise<fc.IAsyncPropertyWithHooks<Generated>> {
  const { design, faults, maxOrders } = options;
  // A fault that cannot strike this design (another provider's, another channel's) would only
  // take a place in the swarm from one that can.
  const labels = [...faults].filter((id) => idleBecause(id, design) === undefined);
  const picks =
    options.search === 'plain'
      ? plainPicksArbitrary(labels, maxOrders)
      : picksArbitrary(labels, maxOrders, await reachOf(options), timerFocuses(design));
  return fc.asyncProperty(workloadArbitrary(maxOrders), picks, async (workload, raw) => {
    const result = await runGenerated(options, [workload, raw]);
    onRun?.(result, [workload, raw]);
    return result.violations.length === 0;
  });
}

/** Runs one generated value, as the search's property does. */
export async function runGenerated(options: ExploreOptions, [workload, raw]: Generated): Promise<RunResult> {
  return (await runAimed(options, workload, raw)).result;
}

/**
 * Shrinks the failing run at 0-based index `index` of the search with this seed, exactly as a
 * search that met it first would: fast-check replays that run (its `path`) and shrinks from it.
 */
export async function shrinkAt(options: ExploreOptions, index: number): Promise<Counterexample> {
  let done = 0;
  const property = await searchProperty(options, (result) => options.onRun?.(++done, result));
  const details = await fc.check(property, {
    numRuns: 1,
    seed: options.seed,
    path: String(index),
    endOnFailure: false,
  });
  if (!details.failed || details.counterexample === null)
    throw new Error(`run ${index + 1} of seed ${options.seed} failed in the search but passed when replayed`);
  return counterexampleOf(options, details, index + 1);
}

/** The story of a shrunk failure: re-run to learn the exact decisions, then drop needless ones. */
async function counterexampleOf(
  options: ExploreOptions,
  details: { counterexample: unknown; numShrinks: number },
  foundAtRun: number,
): Promise<Counterexample> {
  const [workload, raw] = details.counterexample as Generated;
  // Re-run the shrunk case to learn the exact decisions it took: those, not the raw values, replay it.
  const { result: shrunk, choices } = await runAimed(options, workload, raw);
  const broken = shrunk.violations[0]?.invariant;
  const smallest = await cutDown(
    options,
    workload,
    choices.taken,
    (r) => r.violations[0]?.invariant === broken,
    shrunk,
  );
  const result = smallest.result;
  return {
    story: {
      design: options.design.name,
      workload: smallest.workload,
      picks: smallest.picks,
      ...(options.app === undefined ? {} : { app: options.app }),
    },
    violations: result.violations,
    result,
    foundAtRun,
    shrinks: details.numShrinks,
  };
}

/**
 * A last shrinking pass on the decisions themselves: drop each deviation in turn and keep the drop
 * when the exact replay still does what matters (`keeps`: breaks the same invariant, throws the same
 * error). fast-check shrinks the generated values; this removes deviations that survived it only
 * because of how they were generated.
 */
async function dropNeedlessPicks(
  options: ExploreOptions,
  workload: Workload,
  picks: readonly Pick[],
  keeps: (result: RunResult) => boolean,
  result: RunResult,
): Promise<{ picks: readonly Pick[]; result: RunResult }> {
  let best = { picks, result };
  for (let i = best.picks.length - 1; i >= 0; i--) {
    const candidate = best.picks.filter((_, k) => k !== i);
    let again: RunResult;
    try {
      again = await replay(options.design, { workload, picks: candidate }, options);
    } catch {
      continue; // a later pick now names an option its choice does not have there
    }
    if (keeps(again)) best = { picks: again.picks, result: again };
  }
  return best;
}

/**
 * A failing run cut down to what it needs: each order dropped in turn while the run still does what
 * matters (`keeps`), then each deviation. Without an order, a deviation counted by occurrence
 * (`db.timeout#2`) may land on another occurrence or none, so a drop is tried once more with each
 * deviation aimed at the moment it was taken instead.
 */
export async function cutDown(
  options: ExploreOptions,
  workload: Workload,
  picks: readonly Pick[],
  keeps: (result: RunResult) => boolean,
  result: RunResult,
): Promise<{ workload: Workload; picks: readonly Pick[]; result: RunResult }> {
  const run = (intents: Workload, choices: ScriptedChoices) =>
    simulate({
      design: options.design,
      workload: intents,
      faults: options.faults,
      choices,
      paymentCenter: options.paymentCenter,
      businessApp: options.businessApp,
      engine: options.engine,
    });
  let best = { workload, picks, result };
  for (let i = best.workload.intents.length - 1; i >= 0 && best.workload.intents.length > 1; i--) {
    const fewer = { intents: best.workload.intents.filter((_, k) => k !== i) };
    const times = best.result.pickTimesMs;
    const aimed = best.picks.map((p, k) => ({ label: p.label, nth: 0, value: p.index - 1, atMs: times[k] }));
    for (const choices of [() => ScriptedChoices.replay(best.picks), () => ScriptedChoices.fromRaw(aimed)]) {
      const again = await run(fewer, choices()).catch(() => undefined);
      if (again === undefined || !keeps(again)) continue;
      best = { workload: fewer, picks: again.picks, result: again };
      break;
    }
  }
  return {
    workload: best.workload,
    ...(await dropNeedlessPicks(options, best.workload, best.picks, keeps, best.result)),
  };
}

/**
 * Runs generated picks; a pick aimed past the occurrences its label reached in this run is moved
 * onto one that was reached (modulo), and the run is repeated once, so no pick is wasted on a
 * choice point that never comes.
 */
async function runAimed(options: ExploreOptions, workload: Workload, raw: readonly RawPick[]) {
  const run = async (picks: readonly RawPick[]) => {
    const choices = ScriptedChoices.fromRaw(picks);
    const result = await simulate({
      design: options.design,
      workload,
      faults: options.faults,
      choices,
      paymentCenter: options.paymentCenter,
      businessApp: options.businessApp,
      engine: options.engine,
    });
    return { result, choices };
  };
  const first = await run(raw);
  const asked = first.choices.asked;
  const missed = (p: RawPick) => p.atMs === undefined && p.nth >= (asked.get(p.label) ?? 0);
  if (options.search === 'plain' || !raw.some(missed)) return first;
  const aimed = raw.flatMap((p) => {
    if (!missed(p)) return [p];
    const reached = asked.get(p.label) ?? 0;
    return reached === 0 ? [] : [{ ...p, nth: p.nth % reached }];
  });
  return run(aimed);
}

/**
 * The design's timers as search focuses: each with the `user.pay` values (raw, as fast-check
 * generates them) that pick a payment moment within a second of it.
 */
function timerFocuses(design: Design): TimerFocus[] {
  const moments = payMoments(design);
  const optionCount = payBehaviours.length + moments.length;
  return designTimers(design).map(({ atMs }) => ({
    atMs,
    // A raw value v picks option 1 + v mod (optionCount - 1); moment i is option payBehaviours.length + i.
    userPayValues: moments.flatMap((m, i) =>
      Math.abs(m.delayMs - atMs) <= 1_000 ? [(payBehaviours.length + i - 1) % (optionCount - 1)] : [],
    ),
  }));
}

/** How often each label is asked in a happy run of one order of this design: where picks can land. */
async function reachOf(options: ExploreOptions): Promise<Reach> {
  const choices = ScriptedChoices.fromRaw([]);
  await simulate({
    design: options.design,
    workload: { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] },
    faults: options.faults,
    choices,
    paymentCenter: options.paymentCenter,
    businessApp: options.businessApp,
    engine: options.engine,
  });
  return choices.asked;
}

/**
 * Re-runs a story exactly. From JavaScript the design may be a spec (`'hardened'`) and the faults
 * any list of ids; each mistake is refused naming what replay takes.
 */
export async function replay(
  design: Design | string,
  story: Omit<Story, 'design'>,
  options: {
    paymentCenter?: PaymentCenterFactory;
    businessApp?: BusinessAppFactory;
    /** The faults the story ran with; default every fault, as `paysim replay` does. */
    faults?: ReadonlySet<string> | Iterable<string>;
    engine?: MachineEngine;
  } = {},
): Promise<RunResult> {
  const refuse = (what: string): never => {
    throw new ContractError(`replay(design, { workload, picks }, { faults }): ${what}`);
  };
  if (typeof design !== 'string' && !isDesign(design))
    refuse('design: expected a Design or a design spec such as "hardened"');
  if (
    typeof story !== 'object' ||
    story === null ||
    !Array.isArray(story.picks) ||
    !Array.isArray(story.workload?.intents)
  )
    refuse('the story: expected { workload: { intents }, picks }, as a saved story or a report gives them');
  const given = options?.faults ?? allFaults;
  if (!isIdList(given))
    refuse('options.faults: expected the fault ids the story ran with (leave it out for every fault)');
  const faults = given instanceof Set ? (given as ReadonlySet<string>) : new Set(given as Iterable<string>);
  // A pick that names no choice, or a fault this replay leaves out, would never be taken: the story
  // would replay as another one, silently.
  try {
    checkPicks(story.picks);
  } catch (error) {
    refuse(`picks: ${(error as Error).message}`);
  }
  const left = story.picks.find((p) => !faults.has(p.label));
  if (left !== undefined)
    refuse(
      `pick ${formatPicks([left])} names the fault ${left.label}, which options.faults leaves out, so it would never be taken; give the faults the story ran with (new Set(allFaults) for every fault)`,
    );
  const resolved = typeof design === 'string' ? await resolveDesign(design) : design;
  return simulate({
    design: resolved,
    workload: story.workload,
    faults,
    choices: ScriptedChoices.replay(story.picks),
    paymentCenter: options.paymentCenter,
    businessApp: options.businessApp,
    engine: options.engine,
  });
}
