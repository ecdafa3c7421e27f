// What every service behind a port gets, whatever its role: a database, timers on the virtual
// clock, background work, its own wall clock, and a way to tell the checkers what it holds. The
// role ports (payment-center-port.ts, business-app-port.ts) add the clients for what it talks to.

import { brandedError } from './branded-error.ts';
import type { Sql } from './sql-port.ts';

/**
 * The service's database, shared by every instance and surviving a crash. Every call is an await:
 * other handlers may run before it returns (so read, await, write can race), and every write is a
 * point where the process may die, or commit and then time out (`DatabaseTimeout`).
 */
export interface Database {
  get<T>(table: string, key: string): Promise<T | undefined>;
  /** INSERT or plain UPDATE: writes the row whatever is there now. */
  put(table: string, key: string, row: object): Promise<void>;
  /**
   * UPDATE … WHERE: writes the row only if the stored row has every field of `where` with an equal
   * value (compared deeply, e.g. `{ status: 'paying' }` or `{ refundsPending: [] }`); false when it
   * matched no row, as when another handler got there first. Rows are copies both ways.
   */
  update(table: string, key: string, row: object, where: Record<string, unknown>): Promise<boolean>;
  /** INSERT that meets the primary key: false, writing nothing, when the key is taken. */
  insert(table: string, key: string, row: object): Promise<boolean>;
  rows<T>(table: string): Promise<Array<[string, T]>>;
}

/** Timers and work on the virtual clock; all of it dies with the process. */
export interface ProcessPorts<F> {
  /** Tables of rows by key, in memory: the quickest store, for code that needs no SQL. */
  readonly db: Database;
  /** PostgreSQL (in-process), when the role adapter was given `{ sql: { schema } }`: see sql-port.ts. */
  readonly sql: Sql;
  /** Runs `fn` after `ms` of virtual time, unless the process dies first. */
  after(ms: number, fn: () => void | Promise<void>): void;
  sleep(ms: number): Promise<void>;
  /** Starts work that outlives the current request (a forward loop, a refund); a crash ends it. */
  background(task: () => Promise<void>): void;
  /** The service's own wall clock (it may be off: `clock.skew`). */
  now(): number;
  /**
   * Tells the checkers a fact about an order, in paysim's words (see `Fact`). Prefer the role
   * adapter's `project` option, which reads the facts off your writes as they commit: a report
   * comes after its write, so a crash or a `DatabaseTimeout` between the two loses it and the
   * checkers then disagree with your table.
   */
  report(fact: F): void;
}

/** Thrown into the implementation when its process dies: it unwinds whatever was running. */
export class ProcessCrashed extends brandedError('ProcessCrashed') {}

/**
 * Thrown by a database write whose commit took although the client saw a timeout (`db.timeout`):
 * the row is stored, the caller does not know it. A handler that lets it propagate fails its
 * request (no answer, no ack), as a server's would.
 */
export class DatabaseTimeout extends brandedError('DatabaseTimeout') {}

/** Thrown by a Redis command that got no reply in time (Redis down, slow, or the reply lost). */
export class RedisUnavailable extends brandedError('RedisUnavailable') {}

/**
 * Thrown when a service behind a port breaks its contract with paysim (a fact of the wrong shape, a
 * factory that is not one): a mistake in the harness, not a finding about the design. It stops the
 * check with a message saying what to fix.
 */
export class ContractError extends brandedError('ContractError') {}
