// A persistent pool of worker threads for long searches, and shards of one seed's run indices.
// Either way the result is the one a single-thread search of the same seed gives: the threads (or
// CI runners) only find the smallest failing run index, and that run is shrunk on one thread with
// fast-check's `path`, so the first failing run, the shrunk story and its trace are the same.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type ErrorKind, ErrorTally } from './error-tally.ts';
import {
  type ExploreOptions,
  type ExploreReport,
  searchProperty,
  shrinkAt,
  withErrorsTold,
} from './explore.ts';
import { type SearchSettings, searchIndices, sharedState, slot } from './indexed-search.ts';
import type { SearchRequest, WorkerReply } from './pool-worker.ts';

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The 0-based run indices shard `index` of `count` searches: consecutive blocks, `to` excluded. */
export function shardRange(runs: number, shard?: Shard): { from: number; to: number } {
  if (shard === undefined) return { from: 0, to: runs };
  return {
    from: Math.floor(((shard.index - 1) * runs) / shard.count),
    to: Math.floor((shard.index * runs) / shard.count),
  };
}

/**
 * From this many runs a search is worth threads. Starting them (the simulator loaded in each, its
 * code not yet optimised) cost about a second while each registered tsx, a few tenths since;
 * measured then on 2 cores, hardened with every fault: 3,000 runs took longer on two workers than
 * on one thread, 10,000 about 1.2× less time. The runs a shard searches count, not the seed's.
 */
export const longSearchRuns = 10_000;

/** The default `--workers`: the core count for a long search, one thread otherwise. */
export function defaultWorkers(runs: number): number {
  return runs >= longSearchRuns ? availableParallelism() : 1;
}

/** Indices a worker claims at a time: small, so a failure found early wastes few runs elsewhere. */
const chunk = 4;

/**
 * How the worker module is started: through tsx when paysim runs from its TypeScript sources, else
 * as compiled JavaScript (a worker registers tsx itself if it imports an `--app` config).
 */
function workerSource(): { code: string } {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = JSON.stringify(
    new URL(fromSources ? './pool-worker.ts' : './pool-worker.js', import.meta.url).href,
  );
  if (!fromSources) return { code: `import(${entry});` };
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return { code: `import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); });` };
}

export class SearchPool {
  readonly #workers: Worker[];
  #closed = false;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
  }

  /** Starts `size` worker threads; they stay up between searches until `close()`. */
  static start(size: number): SearchPool {
    const { code } = workerSource();
    const workers = Array.from({ length: size }, () => {
      const worker = new Worker(code, { eval: true });
      // Idle workers never keep the process alive, even if close() is forgotten.
      worker.unref();
      return worker;
    });
    return new SearchPool(workers);
  }

  get size(): number {
    return this.#workers.length;
  }

  /**
   * Searches `settings.from`..`settings.to` on every worker; resolves when all have stopped, with
   * what your code threw in the runs they ran.
   */
  async search(
    settings: SearchSettings,
    state: Int32Array,
    onProgress?: (done: number) => void,
  ): Promise<ErrorKind[]> {
    if (this.#closed) throw new Error('the search pool is closed');
    const progress = onProgress && setInterval(() => onProgress(Atomics.load(state, slot.done)), 100);
    const tally = new ErrorTally();
    try {
      await Promise.all(
        this.#workers.map(
          (worker) =>
            new Promise<void>((resolve, reject) => {
              const settle = (error?: Error) => {
                worker.off('message', onMessage).off('error', settle).off('exit', onExit).unref();
                if (error) reject(error);
                else resolve();
              };
              const onMessage = (reply: WorkerReply) => {
                if (reply.kind === 'done') tally.merge(reply.handlerErrors);
                settle(
                  reply.kind === 'done' ? undefined : new Error(`a search worker failed: ${reply.message}`),
                );
              };
              const onExit = (code: number) => settle(new Error(`a search worker exited (code ${code})`));
              worker.ref();
              worker.on('message', onMessage).on('error', settle).on('exit', onExit);
              worker.postMessage({ kind: 'search', settings, state } satisfies SearchRequest);
            }),
        ),
      );
    } catch (error) {
      // One worker failed: the others may still be running this search.
      await this.close();
      throw error;
    } finally {
      if (progress) clearInterval(progress);
    }
    onProgress?.(Atomics.load(state, slot.done));
    return tally.kinds();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

export interface IndexedExploreOptions extends ExploreOptions {
  /** Threads to search on: 1 searches on this thread. */
  readonly workers: number;
  /** Search only this shard's run indices of the seed. */
  readonly shard?: Shard;
  /**
   * The `--app` config module (an absolute path) the services came from: workers import it
   * themselves. Without it, services of your own are searched on this thread.
   */
  readonly appModule?: string;
  /** A pool to reuse; otherwise one is started for this search and closed after it. */
  readonly pool?: SearchPool;
  /** Runs done so far: during shrinking, the shard's runs plus the shrinking runs. */
  readonly onProgress?: (done: number) => void;
}

export interface IndexedReport extends ExploreReport {
  /** The 0-based run indices searched, `to` excluded. */
  readonly from: number;
  readonly to: number;
  /** The threads the search ran on. */
  readonly workers: number;
}

/**
 * A search of the seed's run indices (a shard's, or all of them) on one thread or a pool: the same
 * report as `explore` for the same seed, its counterexample shrunk from the smallest failing index.
 */
export async function exploreIndexed(options: IndexedExploreOptions): Promise<IndexedReport> {
  const { from, to } = shardRange(options.runs, options.shard);
  const ownServices = options.paymentCenter !== undefined || options.businessApp !== undefined;
  const workers = ownServices && options.appModule === undefined ? 1 : Math.max(1, options.workers);
  const settings: SearchSettings = {
    design: options.design,
    seed: options.seed,
    maxOrders: options.maxOrders,
    faults: [...options.faults],
    search: options.search,
    engine: options.engine,
    appModule: options.appModule,
    from,
    to,
    chunk: workers === 1 ? Math.max(1, to - from) : chunk,
  };
  const state = sharedState(settings);
  let handlerErrors: ErrorKind[] = [];
  if (to > from) {
    if (workers === 1) {
      handlerErrors = await searchIndices(settings, state, options, { onRun: options.onProgress });
    } else {
      // What fails before any run (a service of your own refusing the happy run) fails here, as on
      // one thread, rather than in every worker.
      await searchProperty(options);
      const pool = options.pool ?? SearchPool.start(workers);
      try {
        handlerErrors = await pool.search(settings, state, options.onProgress);
      } finally {
        if (options.pool === undefined) await pool.close();
      }
    }
  }
  const first = Atomics.load(state, slot.firstFailure);
  const report = { design: options.design.name, seed: options.seed, from, to, workers };
  if (first >= to) return withErrorsTold(options, { ...report, runs: to - from }, handlerErrors);
  const searched = to - from;
  const counterexample = await shrinkAt(
    {
      ...options,
      onRun: (n, result) => {
        options.onRun?.(n, result);
        options.onProgress?.(searched + n);
      },
    },
    first,
  );
  return { ...report, runs: first - from + 1, counterexample };
}
