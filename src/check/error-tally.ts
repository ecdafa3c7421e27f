// What a search saw your own code throw. A handler of a service behind a port that throws fails its
// request, as on a server, and the design may well recover (a timeout query finds the payment), so
// the invariants hold and the search passes. The error is still a bug to know about, and a CI job
// reads only the verdict: a search counts each kind of error (the handler, the error's class and its
// message with the numbers taken out, so that two different TypeErrors of one handler stay apart), in
// how many runs it came, and the first run it came in, which a replay line then reproduces.
// Errors a fault paysim injected may explain (see HandlerError.faultMayExplain) are counted apart
// and never failed on: letting a fault fail the request is one way to handle it. A promise rejection
// nothing handled always counts: it ended the process.
//
// A passing search runs every index of the seed, so the counts are the same on one thread, on a
// pool of workers and on shards merged. A failing search stops at its first failure on one thread
// but not on the others, so only a passing search reports them.

import { serviceName } from '../domain/service-name.ts';
import type { Pick as Decision, HandlerError } from '../kernel/index.ts';
import type { Workload } from '../services/workload.ts';

/** One kind of error your code threw in a search. */
export interface ErrorKind {
  /** The service's address: `pc` (your payment center) or `app` (your order service). */
  readonly owner: string;
  /** What threw: see HandlerError.handler. */
  readonly handler: string;
  /** The error's class name, `HTTP 500`, `a thrown value` or `never settled` (see HandlerError.error). */
  readonly error: string;
  /** Its message, as the first run it came in throws it once cut down (below). */
  readonly message: string;
  /** A fault may explain it (see HandlerError.faultMayExplain): listed apart, never failed on. */
  readonly explained?: true;
  /** How many runs it came in. */
  readonly runs: number;
  /** The 1-based run of the seed it first came in. */
  readonly firstRun: number;
  /** That run, its orders and deviations cut down to those it needs to throw this, once the search has made it. */
  readonly workload?: Workload;
  readonly picks?: readonly Decision[];
  /** Its replay line. */
  readonly replay?: string;
}

/** A kind: the service, what threw, the error's class, and its message without the numbers in it (ids, amounts). */
export const keyOf = (e: Pick<ErrorKind, 'owner' | 'handler' | 'error' | 'message' | 'explained'>) =>
  `${e.explained ? 'explained' : ''}\u0000${e.owner}\u0000${e.handler}\u0000${e.error}\u0000${e.message.replace(/\d+/g, '#')}`;

/** Whether `error` is of `kind`. */
export function isOfKind(kind: ErrorKind, error: HandlerError): boolean {
  return keyOfError(error) === keyOf(kind);
}

/** The kind of one error, first seen in the run with 0-based index `index`. */
function kindOf(e: HandlerError, index: number): ErrorKind {
  return {
    owner: e.owner,
    handler: e.handler,
    error: e.error,
    message: oneLine(e.message),
    ...(e.faultMayExplain ? { explained: true as const } : {}),
    runs: 1,
    firstRun: index + 1,
  };
}

/** What a handler that was never awaited is called: the rejection ended the process. */
export const unhandledRejection = 'unhandled rejection';

/**
 * Whether `expectedErrors` leaves this failure out: a class thrown on purpose to fail a request. A
 * rejection nothing handled never is, whatever its class: it ended the process.
 */
export function isExpected(
  failure: Pick<ErrorKind, 'handler' | 'error'>,
  expectedErrors: readonly string[] | undefined,
): boolean {
  return failure.handler !== unhandledRejection && (expectedErrors?.includes(failure.error) ?? false);
}

export class ErrorTally {
  readonly #kinds = new Map<string, ErrorKind>();

  /** Counts the errors of the run with 0-based index `index`, those a fault may explain apart. */
  add(index: number, errors: readonly HandlerError[]): void {
    if (errors.length === 0) return;
    const seen = new Set<string>();
    for (const e of errors) {
      const kind = kindOf(e, index);
      const key = keyOf(kind);
      if (seen.has(key)) continue;
      seen.add(key);
      this.merge([kind]);
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

/** `your payment center's onQuery: TypeError: boom`. */
export function describeKind(kind: Pick<ErrorKind, 'owner' | 'handler' | 'error' | 'message'>): string {
  return `${serviceName(kind.owner)}'s ${kind.handler}: ${kind.error}: ${kind.message}`;
}

/** `in 12 of 400 runs; the first, run 3`. */
export function describeCount(kind: Pick<ErrorKind, 'runs' | 'firstRun'>, runs: number): string {
  return `in ${kind.runs} of ${runs} runs; the first, run ${kind.firstRun}`;
}

/** The key of the kind one error is of. */
export function keyOfError(error: HandlerError): string {
  return keyOf(kindOf(error, 0));
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: what a terminal would act on, not print
export const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;

/** The longest message a kind keeps, in characters. */
export const longestMessage = 300;

/** A message as one line of plain text: no line breaks or terminal escapes from your code, at most 300 characters. */
export function oneLine(message: string): string {
  const plain = message.replace(new RegExp(`${controlCharacters.source}+`, 'g'), ' ').trim();
  return plain.length > longestMessage ? `${plain.slice(0, longestMessage - 1)}…` : plain;
}
