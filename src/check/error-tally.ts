// What a search saw your own code throw. A handler of a service behind a port that throws fails its
// request, as on a server, and the design may well recover (a timeout query finds the payment), so
// the invariants hold and the search passes. The error is still a bug to know about, and a CI job
// reads only the verdict: a search counts each kind of error (the handler and the error's class),
// in how many runs it came, and the first run it came in, which a replay line then reproduces.
// Errors that a fault paysim injected throws (DatabaseTimeout, RedisUnavailable, a crash), or that
// one caused, are left out: letting them fail the request is one way to handle them.
//
// A passing search runs every index of the seed, so the counts are the same on one thread, on a
// pool of workers and on shards merged. A failing search stops at its first failure on one thread
// but not on the others, so only a passing search reports them.

import type { HandlerError } from '../kernel/index.ts';

/** One kind of error your code threw in a search. */
export interface ErrorKind {
  /** The service's address: `pc` (your payment center) or `app` (your order service). */
  readonly owner: string;
  /** What threw: a handler's name (`onQuery`) or a kind of task (`a background task`). */
  readonly handler: string;
  /** The error's class name. */
  readonly error: string;
  /** Its message in the first run it came in. */
  readonly message: string;
  /** How many runs it came in. */
  readonly runs: number;
  /** The 1-based run of the seed it first came in. */
  readonly firstRun: number;
  /** The replay line of that run, once the search has made it. */
  readonly replay?: string;
}

const keyOf = (e: Pick<ErrorKind, 'owner' | 'handler' | 'error'>) =>
  `${e.owner}\u0000${e.handler}\u0000${e.error}`;

export class ErrorTally {
  readonly #kinds = new Map<string, ErrorKind>();

  /** Counts the errors not injected by paysim of the run with 0-based index `index`. */
  add(index: number, errors: readonly HandlerError[]): void {
    if (errors.length === 0) return;
    const seen = new Set<string>();
    for (const e of errors) {
      const key = keyOf(e);
      if (e.injected || seen.has(key)) continue;
      seen.add(key);
      this.merge([
        {
          owner: e.owner,
          handler: e.handler,
          error: e.error,
          message: e.message,
          runs: 1,
          firstRun: index + 1,
        },
      ]);
    }
  }

  /** Adds what another thread or shard counted (runs of the same seed, none counted twice). */
  merge(kinds: readonly ErrorKind[]): void {
    for (const kind of kinds) {
      const key = keyOf(kind);
      const known = this.#kinds.get(key);
      if (known === undefined) {
        this.#kinds.set(key, kind);
        continue;
      }
      const first = kind.firstRun < known.firstRun ? kind : known;
      this.#kinds.set(key, { ...first, runs: known.runs + kind.runs });
    }
  }

  /** The kinds, in the order of the run each first came in (then by name): the same on any thread. */
  kinds(): ErrorKind[] {
    return [...this.#kinds.values()].sort(
      (a, b) => a.firstRun - b.firstRun || (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0),
    );
  }
}
