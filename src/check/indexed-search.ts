// A search over chosen run indices of one seed: what a worker thread or a shard runs. fast-check
// generates run i from the seed and i alone, so any thread can run any index and get the very run
// a single-thread search would have tried at that place. Indices are handed out in small chunks
// from shared counters; the smallest failing index found so far bounds the search (nothing past it
// can be the first failure), and that index is shrunk afterwards on one thread (explore.shrinkAt).

import fc from 'fast-check';
import type { Design } from '../designs/design.ts';
import type { MachineEngine } from '../kernel/index.ts';
import { type ErrorKind, ErrorTally } from './error-tally.ts';
import { type ExploreOptions, type Generated, runGenerated, searchProperty } from './explore.ts';
import type { BusinessAppFactory, PaymentCenterFactory } from './simulate.ts';

/** What a worker needs to rebuild a search: plain data, sent by structured clone. */
export interface SearchSettings {
  readonly design: Design;
  readonly seed: number;
  readonly maxOrders: number;
  readonly faults: readonly string[];
  readonly search?: 'aimed' | 'plain';
  readonly engine?: MachineEngine;
  /** An `--app` config module, as an absolute path: each worker imports it itself. */
  readonly appModule?: string;
  /** 0-based, `to` excluded: the run indices to search. */
  readonly from: number;
  readonly to: number;
  /** How many consecutive indices one claim takes. */
  readonly chunk: number;
}

/** Slots of the shared Int32Array a search is coordinated through. */
export const slot = {
  /** The next chunk to hand out. */
  nextChunk: 0,
  /** The smallest failing index found so far (`to` while none failed). */
  firstFailure: 1,
  /** How many runs were completed, for progress. */
  done: 2,
} as const;
export const slotCount = 3;

export function sharedState(settings: Pick<SearchSettings, 'to'>): Int32Array {
  const state = new Int32Array(new SharedArrayBuffer(slotCount * Int32Array.BYTES_PER_ELEMENT));
  state[slot.firstFailure] = settings.to;
  return state;
}

export interface Services {
  readonly paymentCenter?: PaymentCenterFactory;
  readonly businessApp?: BusinessAppFactory;
}

const skip = Symbol('another thread runs this index');
const stop = Symbol('nothing left to run');
type Slot = { readonly index: number; readonly value: Generated } | typeof skip | typeof stop;

/**
 * Runs the indices this thread claims from `state` until none is left below the first failure,
 * recording failures in `state`. A run that throws counts as failing, as it does in fast-check.
 * Gives what your code threw in the runs this thread ran (error-tally.ts).
 */
export async function searchIndices(
  settings: SearchSettings,
  state: Int32Array,
  services: Services = {},
  hooks: { readonly onRun?: (done: number) => void; readonly onFailure?: (index: number) => void } = {},
): Promise<ErrorKind[]> {
  const options: ExploreOptions = {
    design: settings.design,
    runs: settings.to,
    seed: settings.seed,
    maxOrders: settings.maxOrders,
    faults: new Set(settings.faults),
    search: settings.search,
    engine: settings.engine,
    paymentCenter: services.paymentCenter,
    businessApp: services.businessApp,
  };
  const inner = await searchProperty(options);
  const tally = new ErrorTally();
  let end = -1; // the end of this thread's current chunk
  let start = -1;
  const claim = () => {
    const chunk = Atomics.add(state, slot.nextChunk, 1);
    start = settings.from + chunk * settings.chunk;
    end = Math.min(start + settings.chunk, settings.to);
  };
  // fast-check drives the seed's random stream, as in a single-thread search; each index's value
  // is generated only by the thread that runs it.
  const property: fc.IRawProperty<Slot, true> = {
    isAsync: () => true,
    generate: (mrng, runId) => {
      const index = runId ?? 0;
      if (index >= end) claim();
      if (start >= settings.to || index >= Atomics.load(state, slot.firstFailure))
        return new fc.Value(stop, undefined);
      if (index < start) return new fc.Value(skip, undefined);
      return new fc.Value({ index, value: inner.generate(mrng, runId).value }, undefined);
    },
    shrink: () => fc.Stream.nil(),
    run: async (s) => {
      if (s === skip) return null;
      if (s === stop) return { error: stop };
      let failed: boolean;
      try {
        const result = await runGenerated(options, s.value);
        tally.add(s.index, result.handlerErrors);
        failed = result.violations.length > 0;
      } catch {
        failed = true;
      }
      const done = Atomics.add(state, slot.done, 1) + 1;
      hooks.onRun?.(done);
      if (failed) {
        lowerTo(state, s.index);
        hooks.onFailure?.(s.index);
      }
      return null;
    },
    runBeforeEach: async () => {},
    runAfterEach: async () => {},
  };
  await fc.check(property, { numRuns: settings.to, seed: settings.seed, endOnFailure: true });
  return tally.kinds();
}

/** Atomically: the first failure is the smaller of what it was and `index`. */
function lowerTo(state: Int32Array, index: number): void {
  for (;;) {
    const current = Atomics.load(state, slot.firstFailure);
    if (index >= current) return;
    if (Atomics.compareExchange(state, slot.firstFailure, current, index) === current) return;
  }
}
