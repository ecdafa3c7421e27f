// The history of one run: every delivery, fault, durable write, crash and restart, in step order.
// Checkers and reports read it; nothing reads it to steer the run. Entries carry no XState session
// ids or wall-clock data, so the same inputs give a byte-identical trace.

import { createHash } from 'node:crypto';

export interface Message {
  readonly type: string;
}

export interface Envelope {
  readonly id: number;
  readonly from: string;
  readonly to: string;
  readonly msg: Message;
  readonly sentAtMs: number;
  /** Set by a fault that injects a message the system must treat as hostile (e.g. `forged`). */
  readonly tag?: string;
  /** The id of the message whose handler sent this one; absent for timers and users. */
  readonly cause?: number;
  /** The instance that sent it, when its service runs more than one. */
  readonly fromReplica?: number;
  /** A reply goes back to the instance that asked, as over its connection; others may go to any. */
  readonly toReplica?: number;
}

export type Row = object;

export type TraceEntry =
  | {
      readonly step: number;
      readonly atMs: number;
      readonly kind: 'deliver';
      readonly env: Envelope;
      /** Which instance took it, for a service running more than one. */
      readonly replica?: number;
    }
  | { readonly step: number; readonly atMs: number; readonly kind: 'refused'; readonly env: Envelope }
  | {
      readonly step: number;
      readonly atMs: number;
      readonly kind: 'fault';
      readonly fault: string;
      readonly detail: string;
      readonly env?: Envelope;
      /** The entity a fault without a message concerns (e.g. the order a user behaviour is about). */
      readonly subject?: string;
    }
  | {
      readonly step: number;
      readonly atMs: number;
      /** Something a service did on its own that explains what follows (e.g. a broker redelivering). */
      readonly kind: 'note';
      readonly owner: string;
      readonly text: string;
      readonly subject?: string;
      /** The id of the message whose handler this is about, if any. */
      readonly cause?: number;
      /** It tells that a handler of the service's own code failed (world.handlerFailed). */
      readonly failure?: true;
    }
  | {
      readonly step: number;
      readonly atMs: number;
      readonly kind: 'write';
      readonly owner: string;
      readonly table: string;
      readonly key: string;
      readonly row: Row;
      /** The write that records a fulfilment (shipping) in the same transaction. */
      readonly fulfils?: true;
      /** What this write tells the checkers, in the service's projection (see domain/facts.ts). */
      readonly fact?: object;
      /** The id of the message whose handler wrote this row; absent for timers. */
      readonly cause?: number;
    }
  | {
      readonly step: number;
      readonly atMs: number;
      /** A transaction committed to a database the world does not hold (SQL behind a port). */
      readonly kind: 'commit';
      readonly owner: string;
      /** Its statements, shortened, for the story. */
      readonly statements: readonly string[];
      /** What its rows now tell the checkers that they did not before (see domain/facts.ts). */
      readonly fact?: object;
      readonly cause?: number;
    }
  | {
      readonly step: number;
      readonly atMs: number;
      /** A fact a service reported outright rather than through a write. */
      readonly kind: 'observe';
      readonly owner: string;
      readonly fact: object;
      readonly cause?: number;
    }
  | {
      readonly step: number;
      readonly atMs: number;
      readonly kind: 'crash' | 'restart';
      readonly owner: string;
      readonly replica?: number;
    };

/** SHA-256 of the canonical JSON of a trace: equal hashes mean identical runs. */
export function traceHash(trace: readonly TraceEntry[]): string {
  const hash = createHash('sha256');
  for (const entry of trace) hash.update(`${JSON.stringify(entry)}\n`);
  return hash.digest('hex');
}

/**
 * A handler of a service's own code (behind a port) that threw, not a crash: its request failed,
 * as an uncaught exception fails a server's request.
 */
export interface HandlerError {
  readonly owner: string;
  /** What ran: a handler's name (`onQuery`), `background task`, `after() callback`, `unhandled rejection`, or an HTTP route (`GET /payments/:orderId`). */
  readonly handler: string;
  /** The order or trade it was about, if any. */
  readonly subject?: string;
  /** The error's class name (`TypeError`), `HTTP 500`, `a thrown value` for anything else thrown, or `never settled`. */
  readonly error: string;
  readonly message: string;
  /**
   * A fault paysim injected may explain it: it is what a fault throws (`DatabaseTimeout`,
   * `RedisUnavailable`, a crash) or was caused by one; or, unless it is a mistake in the code itself
   * (a TypeError, ReferenceError, SyntaxError or RangeError), a fault struck somewhere while the
   * handler ran, or the message it handled was hostile (forged, altered, replayed). Failing the
   * request is then one way to handle it.
   */
  readonly faultMayExplain: boolean;
}
