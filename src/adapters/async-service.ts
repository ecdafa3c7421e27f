// Hosts an async, hand-written service (a payment center, an order service) as a world service, in
// as many instances as the design runs. Its calls to other services become messages through the
// world (so they can be lost, delayed or fail), each matched to its reply by a request id, as an
// HTTP or Redis client does; a reply after the request timed out is dropped. Every database call is
// an await that the world schedules (a stall or another handler may come first), every write and
// send is a crash point, and its timers run on the virtual clock. After each event the world waits
// until the implementation has nothing left to run but calls waiting on the world: it must do no
// real I/O. The role adapters (async-payment-center.ts, async-business-app.ts) say which messages
// reach which handler and which clients the implementation gets.

import { isDeepStrictEqual } from 'node:util';
import { unhandledRejection } from '../check/error-tally.ts';
import type { Design } from '../designs/design.ts';
import type { Fact, Projection } from '../domain/facts.ts';
import { serviceName } from '../domain/service-name.ts';
import type { Envelope, Message, Service, World } from '../kernel/index.ts';
import { checkFacts } from './fact-contract.ts';
import {
  ContractError,
  type Database,
  DatabaseTimeout,
  ProcessCrashed,
  type ProcessPorts,
  RedisUnavailable,
} from './service-ports.ts';
import { SimulatedSql } from './simulated-sql.ts';
import { SqlDatabase } from './sql-database.ts';
import type { Sql, SqlOptions } from './sql-port.ts';

export type Incoming = Message & { requestId?: number; [key: string]: unknown };

/** Resolves once every continuation that is runnable now has run (all microtasks drained). */
const drained = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The service whose code the world's step is running (from `begin` until the next one's): a
 * promise rejection nobody handles surfaces while its code runs, so it is that service's (the world
 * runs one step at a time).
 */
let settling: unknown;

interface Instance<H> {
  generation: number;
  handlers: H;
}

interface Waiting {
  readonly replica: number;
  readonly generation: number;
  readonly timer: number;
  resolve(reply: Incoming): void;
}

/** One instance of the implementation, as one process incarnation: a crash ends it. */
export interface Incarnation {
  readonly replica: number;
  readonly generation: number;
}

export abstract class AsyncService<H extends { recover(): Promise<void> }, P> implements Service {
  private readonly instances = new Map<number, Instance<H>>();
  /** Requests waiting for their reply, by request id, whichever instance sent them. */
  private readonly waiting = new Map<number, Waiting>();
  private nextRequestId = 1;
  /** An error the implementation threw (not a crash): it fails the run with the implementation's stack. */
  private failure: unknown;
  /** This run's SQL database, if the service was given one. */
  private sql: SimulatedSql | undefined;
  /** Whether this run listens for promise rejections nobody handles. */
  private watchingRejections = false;
  /** The message being handed to a handler now, while `handle` runs. */
  private delivering: Envelope | undefined;
  /** Handlers not yet settled, with the instance each runs on. */
  private readonly unsettled = new Set<Unsettled>();

  constructor(
    protected readonly world: World,
    protected readonly design: Design,
    readonly address: string,
    private readonly create: (ports: P) => H,
    private readonly project: Projection,
    private readonly sqlOptions?: SqlOptions,
  ) {}

  /**
   * Records a mistake in the harness (a ContractError) so that the check stops with it even if the
   * implementation catches it, as a web framework's error handler would.
   */
  protected breach(error: unknown): void {
    if (error instanceof ContractError) this.failure ??= error;
  }

  /** A fact the SQL facts query gave, as the checkers know it (an adapter may translate ids). */
  protected factFromSql(fact: Fact): Fact {
    return fact;
  }

  /** The role's ports for one incarnation, built on `processPorts`. */
  protected abstract ports(self: Incarnation): P;

  /** The handlers the role's port requires: each must be a function. */
  protected abstract readonly handlerNames: readonly (keyof H & string)[];

  /** Hands a request or event to the handlers; false for a message that is a reply to a request. */
  protected abstract handle(env: Envelope, handlers: H, self: Incarnation): boolean;

  async start(replica: number): Promise<void> {
    if (!this.watchingRejections) {
      this.watchingRejections = true;
      process.on('unhandledRejection', this.unhandledRejection);
    }
    if (this.sqlOptions !== undefined && this.sql === undefined) {
      const db = await SqlDatabase.fresh(
        this.address,
        this.sqlOptions,
        (fact) => this.factFromSql(fact),
        this.address === 'app' ? 'order' : 'payment',
      );
      this.sql = new SimulatedSql(this.world, this.address, db, {
        enter: () => this.begin(),
        settled: () => this.settled(),
        fail: (error) => this.breach(error),
      });
    }
    const generation = (this.instances.get(replica)?.generation ?? 0) + 1;
    const instance: Instance<H> = { generation, handlers: undefined as unknown as H };
    this.instances.set(replica, instance);
    try {
      instance.handlers = this.create(this.ports({ replica, generation }));
    } catch (error) {
      // Setting up the service failed (a missing setting, a client that would not build): no run can start.
      throw new ContractError(
        `${serviceName(this.address)}: the function that builds its handlers (given to ${this.adapterName()}) threw ${errorName(error)}: ${errorMessage(error)}`,
      );
    }
    // A missing handler would fail every request it should take, each run, as a TypeError.
    const missing = this.handlerNames.filter(
      (name) => typeof (instance.handlers as Record<string, unknown> | undefined)?.[name] !== 'function',
    );
    if (missing.length > 0)
      throw new ContractError(
        `${serviceName(this.address)}: the handlers given to ${this.adapterName()} have no ${missing.join(', ')}; it needs a method for each of ${this.handlerNames.join(', ')}`,
      );
    this.run(() => instance.handlers.recover(), 'recover');
    await this.settled();
  }

  private adapterName(): string {
    return this.address === 'app' ? 'asyncBusinessApp' : 'asyncPaymentCenter';
  }

  /** The run is over: a transaction still holding the connection then means a deadlock. */
  finish(): void {
    // Every port call is answered within the run (a reply, a timeout, a crash): a handler of a live
    // instance still waiting once nothing is left to happen awaits something paysim cannot see.
    if (this.world.quiescent)
      for (const h of this.unsettled)
        if (this.instances.get(h.replica)?.generation === h.generation)
          this.world.handlerFailed({
            owner: this.address,
            handler: h.name,
            ...(h.subject === undefined ? {} : { subject: h.subject }),
            error: neverSettled,
            message:
              'it was still waiting when the run ended, on something paysim does not simulate (a real network call or timer, or a promise nothing resolves)',
            faultMayExplain: false,
          });
    process.off('unhandledRejection', this.unhandledRejection);
    this.watchingRejections = false;
    if (settling === this) settling = undefined;
    this.sql?.finish();
  }

  crash(replica: number): void {
    // Its pending calls are never answered; the old instance's next port call throws ProcessCrashed.
    const instance = this.instances.get(replica);
    if (instance) instance.generation++;
    this.sql?.crashed(replica);
  }

  /**
   * Before the implementation runs in a step (a delivery, a timer, a database call's return): an
   * adapter whose implementation keeps its own clock brings it to the world's time here.
   */
  protected enter(): void | Promise<void> {}

  /** Every step of the implementation starts here: its code runs from now until it settles. */
  protected begin(): void | Promise<void> {
    settling = this;
    return this.enter();
  }

  async deliver(env: Envelope, replica: number): Promise<void> {
    await this.begin();
    const instance = this.instances.get(replica) as Instance<H>;
    const self = { replica, generation: instance.generation };
    this.delivering = env;
    try {
      if (!this.handle(env, instance.handlers, self)) this.answer(env.msg as Incoming);
    } finally {
      this.delivering = undefined;
    }
    await this.settled();
  }

  /** Whether the message being handed to a handler now is hostile (forged, altered or replayed by a fault). */
  protected hostileDelivery(): boolean {
    return this.delivering?.tag !== undefined;
  }

  /** A reply goes back to the request that asked, on whichever instance asked it, if it still waits. */
  private answer(msg: Incoming): void {
    const id = msg.requestId;
    const waiting = id === undefined ? undefined : this.waiting.get(id);
    if (waiting === undefined || id === undefined) return;
    this.waiting.delete(id);
    this.world.clearTimer(waiting.timer);
    if (this.instances.get(waiting.replica)?.generation === waiting.generation) waiting.resolve(msg);
  }

  /**
   * Node ends a process whose promise rejection nobody handles: so does the world. Nothing caught
   * it, so it counts as an error of your code whatever was rejected, an injected fault's error too.
   */
  private readonly unhandledRejection = (reason: unknown) => {
    if (settling !== this || !this.world.isUp(this.address)) return;
    const failure = {
      owner: this.address,
      handler: unhandledRejection,
      error: errorName(reason),
      message: errorMessage(reason),
      faultMayExplain: false,
    };
    this.world.handlerFailed(
      failure,
      `unhandled promise rejection (${failure.error}: ${failure.message}): Node ends the process`,
    );
    this.world.crashNow(this.address);
  };

  protected async settled(): Promise<void> {
    await drained();
    if (this.failure !== undefined) throw this.failure;
  }

  /** A handler as the story and the error counts name it: the port's name, unless the role serves it otherwise. */
  protected shownAs(handler: string): string {
    return handler;
  }

  /**
   * Runs a handler (`name`, about `subject`). A crash unwinds it silently; any other error fails
   * its request, as an uncaught exception fails a server's request (no answer, no ack), and goes
   * into the story and the search's count of errors. A broken contract with paysim stops the check.
   */
  protected run(
    handler: () => Promise<void>,
    handlerName: string,
    subject?: string,
    onError?: () => void,
  ): void {
    const name = this.shownAs(handlerName);
    const mark = this.world.trace.length;
    const hostile = this.hostileDelivery();
    let running: Promise<void>;
    try {
      running = handler();
    } catch (error) {
      // A handler that is not async throws before it returns a promise: the same failure.
      running = Promise.reject(error);
    }
    const replica = this.world.replicaOf(this.address);
    const unsettled = { name, subject, replica, generation: this.instances.get(replica)?.generation ?? 0 };
    this.unsettled.add(unsettled);
    const settle = () => this.unsettled.delete(unsettled);
    running.then(settle, settle);
    running.catch((error: unknown) => {
      if (error instanceof ProcessCrashed) return;
      if (error instanceof ContractError) {
        this.failure ??= error;
        return;
      }
      this.world.handlerFailed({
        owner: this.address,
        handler: name,
        ...(subject === undefined ? {} : { subject }),
        error: errorName(error),
        message: errorMessage(error),
        faultMayExplain:
          thrownByFault(error) || (!programmingError(error) && (hostile || this.world.faultedSince(mark))),
      });
      onError?.();
    });
  }

  protected alive(self: Incarnation): void {
    if (this.instances.get(self.replica)?.generation !== self.generation || !this.world.isUp(this.address))
      throw new ProcessCrashed();
  }

  protected send(self: Incarnation, to: string, msg: Message & Record<string, unknown>): void {
    this.alive(self);
    if (!this.world.send(this.address, to, msg)) throw new ProcessCrashed();
  }

  /** Sends a request with a fresh request id and waits for its reply, or gives `timeout`. */
  protected request<T>(
    self: Incarnation,
    to: string,
    build: (requestId: number) => Message & Record<string, unknown>,
    timeout: T,
  ): Promise<T> {
    const requestId = this.nextRequestId++;
    this.send(self, to, build(requestId));
    return new Promise<T>((resolve) => {
      const timer = this.world.setTimer(this.address, this.design.timing.requestTimeoutMs, async () => {
        await this.begin();
        this.waiting.delete(requestId);
        resolve(timeout);
        return this.settled();
      });
      this.waiting.set(requestId, { ...self, timer, resolve: (reply) => resolve(reply as T) });
    });
  }

  /** One database call: it runs one await later (or later still, if it stalls), then the caller continues. */
  private dbCall<T>(self: Incarnation, query: () => T): Promise<T> {
    this.alive(self);
    return new Promise<T>((resolve, reject) => {
      this.world.await(this.address, async () => {
        await this.begin();
        try {
          this.alive(self);
          resolve(query());
        } catch (error) {
          reject(error);
        }
        return this.settled();
      });
    });
  }

  /** What every role gets: its database, timers, background work, its clock, and `report`. */
  protected processPorts<F extends object>(self: Incarnation, kind: string): ProcessPorts<F> {
    const world = this.world;
    const address = this.address;
    // Rows cross the port as copies, as they cross a database connection: changing an object after
    // `put`, or one that `get` returned, changes nothing stored.
    const write = (table: string, key: string, row: object) => {
      const stored = structuredClone(row);
      let fact: ReturnType<typeof checkFacts>;
      try {
        fact = checkFacts(
          this.project(table, key, stored, world.store(address).get(table, key)),
          `the projection of ${table} ${key}`,
          kind as 'order' | 'payment',
        );
      } catch (error) {
        this.breach(error);
        throw error;
      }
      const result = world.write(address, table, key, stored, { fact });
      if (result === 'unknown') throw new DatabaseTimeout(`the write of ${table} ${key} timed out`);
      if (result !== 'ok') throw new ProcessCrashed();
    };
    const store = () => world.store(address);
    const db: Database = {
      get: <T>(table: string, key: string) =>
        this.dbCall(self, () => structuredClone(store().get(table, key)) as T | undefined),
      put: (table, key, row) => this.dbCall(self, () => write(table, key, row)),
      update: (table, key, row, where) =>
        this.dbCall(self, () => {
          const now = store().get(table, key) as Record<string, unknown> | undefined;
          const matches = (field: string, value: unknown) =>
            now !== undefined && field in now && isDeepStrictEqual(now[field], value);
          if (!Object.entries(where).every(([field, value]) => matches(field, value))) return false;
          write(table, key, row);
          return true;
        }),
      insert: (table, key, row) =>
        this.dbCall(self, () => {
          if (store().get(table, key) !== undefined) return false;
          write(table, key, row);
          return true;
        }),
      rows: <T>(table: string) =>
        this.dbCall(self, () => structuredClone([...store().rows(table)]) as Array<[string, T]>),
    };
    return {
      db,
      sql:
        this.sql?.port(self.replica, () => this.alive(self)) ?? noSql(address, (error) => this.breach(error)),
      after: (ms, fn) => {
        this.alive(self);
        world.setTimer(address, ms, async () => {
          await this.begin();
          if (this.instances.get(self.replica)?.generation === self.generation)
            this.run(async () => fn(), 'after() callback');
          return this.settled();
        });
      },
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          this.alive(self);
          world.setTimer(address, ms, async () => {
            await this.begin();
            resolve();
            return this.settled();
          });
        }),
      background: (task) => {
        this.alive(self);
        this.run(task, 'background task');
      },
      now: () => world.clockOf(address),
      report: (fact: F) => {
        this.alive(self);
        try {
          world.observe(address, checkFacts({ kind, ...fact } as never, 'report') as object);
        } catch (error) {
          this.breach(error);
          throw error;
        }
      },
    };
  }
}

interface Unsettled {
  readonly name: string;
  readonly subject: string | undefined;
  readonly replica: number;
  readonly generation: number;
}

/** What a handler still waiting at the end of the run is counted as, in place of an error's class. */
const neverSettled = 'never settled';

/** An error's class name (`TypeError`), or `a thrown value` for anything else thrown. */
function errorName(error: unknown): string {
  return error instanceof Error ? (error.constructor?.name ?? 'Error') : 'a thrown value';
}

/** The message of what was thrown, whatever it is (an object without a prototype, a throwing getter). */
function errorMessage(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

/**
 * A mistake in the code itself (reading a field of undefined, a name that does not exist): no fault
 * explains it, not even one that struck meanwhile, since it is the code that handles faults failing.
 */
function programmingError(error: unknown): boolean {
  return (
    error instanceof TypeError ||
    error instanceof ReferenceError ||
    error instanceof SyntaxError ||
    error instanceof RangeError
  );
}

/** What a fault paysim injected throws, or an error it caused (its `cause`, a few levels deep). */
function thrownByFault(error: unknown): boolean {
  let at: unknown = error;
  for (let depth = 0; depth < 5 && at instanceof Error; depth++) {
    if (at instanceof DatabaseTimeout || at instanceof RedisUnavailable || at instanceof ProcessCrashed)
      return true;
    at = at.cause;
  }
  return false;
}

/** The SQL port of a service given no SQL database: any use says how to give it one. */
function noSql(address: string, breach: (error: ContractError) => void): Sql {
  const refuse = () => {
    const error = new ContractError(
      `ports.sql was used, but ${address === 'app' ? 'asyncBusinessApp' : 'asyncPaymentCenter'}(create, { sql: { schema } }) gave this service no SQL database (with httpPaymentCenter: give it { sql: { schema, facts } })`,
    );
    breach(error);
    return Promise.reject(error);
  };
  return { query: refuse, transaction: refuse };
}
