// `assertHolds`: explore a design (with the user's own service plugged in, or the model) and throw
// if any run breaks an invariant, like `fc.assert`. The error's message is the shrunk story and the
// line that replays it, so a failing CI job shows what happened without a second run.

import { ContractError } from '../adapters/service-ports.ts';
import type { Design } from '../designs/design.ts';
import { resolveDesign } from '../designs/load-design.ts';
import { allFaults, noneCanStrike } from '../faults/catalogue.ts';
import type { Pick } from '../kernel/index.ts';
import { renderTimeline, storyOf } from '../report/timeline.ts';
import type { Workload } from '../services/workload.ts';
import { describeCount, describeKind, type ErrorKind } from './error-tally.ts';
import { type Counterexample, type ExploreReport, explore } from './explore.ts';
import { checkSearchOptions } from './explore-options.ts';
import type { BusinessAppFactory, PaymentCenterFactory } from './simulate.ts';
import { formatReplayCommand } from './story.ts';

export interface AssertHoldsOptions {
  /** A design, or a design spec such as `'hardened'` or `'seed,provider=alipay'`. */
  readonly design: Design | string;
  /** Generated runs (worlds) to try; default 500. */
  readonly runs?: number;
  /** The search's seed: the same seed tries the same runs. Default 1. */
  readonly seed?: number;
  /** At most this many concurrent orders per run; default 3. */
  readonly maxOrders?: number;
  /** Which faults may strike (ids from `faults`); default every fault. */
  readonly faults?: Iterable<string>;
  /** Your payment center in place of the model's (see `asyncPaymentCenter`). */
  readonly paymentCenter?: PaymentCenterFactory;
  /** Your order service in place of the model's (see `asyncBusinessApp`). */
  readonly businessApp?: BusinessAppFactory;
  /**
   * Throw `HandlerErrors` when no invariant broke but your code threw errors paysim did not inject
   * (the report's `handlerErrors`); default false: they are only in the report.
   */
  readonly failOnErrors?: boolean;
  /** Error classes your code throws on purpose to fail a request (`['BusyError']`): not counted. */
  readonly expectedErrors?: readonly string[];
  /**
   * The paysim config that names your services (`export default { paymentCenter }`), for the
   * command-line replay lines (`--app`); default `./paysim.config.ts` when you pass services.
   */
  readonly app?: string;
}

/** What `assertHolds` resolves with: no invariant broke; what your code threw is always listed. */
export type HeldReport = ExploreReport & { readonly handlerErrors: readonly ErrorKind[] };

/** Thrown by `assertHolds`: the message tells the story; the fields carry it for tools. */
export class InvariantBroken extends Error {
  override readonly name = 'InvariantBroken';
  constructor(
    message: string,
    readonly counterexample: Counterexample,
    readonly report: ExploreReport,
  ) {
    super(message);
  }
}

/**
 * Thrown by `assertHolds({ failOnErrors: true })` when every invariant held but your code threw:
 * the message lists each kind of error with its first run's replay line.
 */
export class HandlerErrors extends Error {
  override readonly name = 'HandlerErrors';
  constructor(
    message: string,
    readonly kinds: readonly ErrorKind[],
    readonly report: ExploreReport,
  ) {
    super(message);
  }
}

/**
 * Explores the design and resolves with the report when no run broke an invariant ("not found in
 * `runs` runs": a search budget, not a proof); otherwise throws `InvariantBroken`.
 */
export async function assertHolds(options: AssertHoldsOptions): Promise<HeldReport> {
  checkSearchOptions('assertHolds', options);
  const design =
    typeof options.design === 'string'
      ? await resolveDesign(options.design).catch((error: Error) => {
          throw new ContractError(`assertHolds: design: ${error.message}`);
        })
      : options.design;
  const idle = noneCanStrike([...(options.faults ?? [])], design);
  if (idle !== undefined) throw new ContractError(`assertHolds: faults: ${idle}`);
  const ownServices = (['paymentCenter', 'businessApp'] as const).filter(
    (role) => options[role] !== undefined,
  );
  const report = await explore({
    design,
    runs: options.runs ?? 500,
    seed: options.seed ?? 1,
    maxOrders: options.maxOrders ?? 3,
    faults: new Set(options.faults ?? allFaults),
    paymentCenter: options.paymentCenter,
    businessApp: options.businessApp,
    expectedErrors: options.expectedErrors,
    // Every replay line of the report then replays your services from the command line.
    app: ownServices.length > 0 ? (options.app ?? './paysim.config.ts') : undefined,
  });
  const c = report.counterexample;
  // Every fault is replay()'s default: named only when the search was given fewer.
  const faults = options.faults === undefined ? '' : `faults: ${JSON.stringify([...options.faults])}, `;
  // Without `app`, the config is assumed: a line that names another config replays other code.
  const config =
    options.app === undefined
      ? 'a paysim config that names the same services (./paysim.config.ts assumed; give assertHolds app to name yours)'
      : 'the paysim config that names them';
  const replayOf = (story: { design: string; workload?: Workload; picks?: readonly Pick[] }, line = '') =>
    ownServices.length > 0
      ? `replay(${typeof options.design === 'string' ? JSON.stringify(story.design) : 'design'}, ${JSON.stringify({ workload: story.workload, picks: story.picks })}, { ${faults}${ownServices.join(', ')} }), with the ${typeof options.design === 'string' ? '' : 'design and '}services you passed; from the command line, with ${config}: ${line}`
      : line;
  const kinds = report.handlerErrors ?? [];
  if (c === undefined && options.failOnErrors && kinds.length > 0)
    throw new HandlerErrors(
      [
        `${design.name} held every invariant in ${report.runs} runs, but your code failed where no fault paysim injected explains it:`,
        ...kinds.flatMap((k) => [
          `  ${describeKind(k)}`,
          `    ${describeCount(k, report.runs)}: ${replayOf({ design: design.name, workload: k.workload, picks: k.picks }, k.replay)}`,
        ]),
        'An error your code throws on purpose (to fail a request) is left out when assertHolds is given its class in expectedErrors.',
      ].join('\n'),
      kinds,
      report,
    );
  if (c === undefined) return { ...report, handlerErrors: kinds };
  throw new InvariantBroken(storyText(c, replayOf(c.story, formatReplayCommand(c.story))), c, report);
}

function storyText(c: Counterexample, replay: string): string {
  const first = c.violations[0];
  const broken = [...new Set(c.violations.map((v) => `${v.invariant}: ${v.message}`))];
  const timeline = renderTimeline(c.result.trace, storyOf(c.violations));
  return [
    `${c.story.design} breaks ${first?.invariant ?? 'an invariant'} (generated run ${c.foundAtRun}, shrunk to ${c.story.picks.length} deviation${c.story.picks.length === 1 ? '' : 's'}):`,
    ...broken.map((line) => `  ✗ ${line}`),
    '',
    ...timeline,
    '',
    `Replay: ${replay}`,
  ].join('\n');
}
