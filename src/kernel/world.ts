// The world owns virtual time, delivery and the trace (ARCHITECTURE.md principle 2). Services never
// reach each other directly: every message goes through `send`, where the fault policy may lose,
// duplicate or delay it, and every durable write goes through `write`, before which a crashable
// owner may die. Timers live in the world's event queue and fire only when the world advances the
// clock. The world knows nothing about payments.
//
// Concurrency is a choice too (principle 9). A service may run several replicas that share its
// durable store and keep their own timers; which replica takes a message is a choice. A handler
// that awaits the outside world (a database call) continues in a later `step`; a step may stall
// (others overtake it), and of several steps of one service ready at the same millisecond, which
// runs first is a choice. Every default is FIFO with no stall.

import type { Choices } from './choices.ts';
import { extend } from './copy.ts';
import { DurableStore } from './durable-store.ts';
import { EventQueue } from './event-queue.ts';
import type { MachineEngine } from './machine-engine.ts';
import { formatTime } from './time-format.ts';
import type { Envelope, HandlerError, Message, Row, TraceEntry } from './trace.ts';

export interface Service {
  readonly address: string;
  /** Handles one delivered message on `replica`. May return a promise (adapters over async code). */
  deliver(env: Envelope, replica: number): void | Promise<void>;
  /** Builds a replica's volatile state from durable state: at the start of the run and after a crash. */
  start(replica: number): void | Promise<void>;
  /** Drops a replica's volatile state. The world has already cancelled that replica's timers and steps. */
  crash(replica: number): void;
  /** The run is over, however it ended: releases what the service held for it. */
  finish?(): void | Promise<void>;
}

/** Which named faults may strike one message on its way; undefined fields mean "never". */
export interface LinkFaults {
  readonly lost?: string;
  readonly duplicated?: string;
  readonly delayed?: string;
  /** The extra delays `delayed` picks from on this link, instead of the world's default options. */
  readonly delayOptionsMs?: readonly number[];
  /** A fault that alters the message in flight; the policy's `corrupt` says how. */
  readonly corrupted?: string;
  /**
   * Someone who captured the message in flight (`from`) sends an exact copy again `afterMs` later:
   * a replay, still carrying what the original carried (its timestamp, its signature).
   */
  readonly replayed?: { readonly label: string; readonly from: string; readonly afterMs: number };
  /** A fault that takes the link down for one flow (`key`) for the whole run, decided once per key. */
  readonly outage?: { readonly label: string; readonly key: string };
  /**
   * A partition of the link `key`: it may strike at any message on the link, once; then every
   * message on that link is lost for the picked duration (option i+1 of the choice).
   */
  readonly partition?: {
    readonly label: string;
    readonly key: string;
    readonly durationsMs: readonly number[];
  };
}

export interface FaultPolicy {
  linkFaults(env: Envelope): LinkFaults | undefined;
  corrupt(msg: Message): Message;
  /** The choice label asked before each effect of `owner`, if it can crash. */
  crashLabel(owner: string): string | undefined;
  /** The choice label asked after each committed write of `owner`, if its client may see a timeout. */
  commitUnknownLabel?(owner: string): string | undefined;
  /** How far the clock of `owner` may be off, if it may (asked once, when it first reads it). */
  clockSkew?(owner: string): { readonly label: string; readonly optionsMs: readonly number[] } | undefined;
  /** The choice label for a scheduling decision of `owner`, if that decision is enabled. */
  schedulingLabel(owner: string, decision: SchedulingDecision): string | undefined;
}

/**
 * `stall`: a handler pauses at an await (GC pause, slow query) so that others overtake it.
 * `interleave`: of several steps of one service ready at the same millisecond, which runs first.
 * `replica`: which instance of a replicated service takes a message.
 */
export type SchedulingDecision = 'stall' | 'interleave' | 'replica';

export interface WorldOptions {
  readonly choices: Choices;
  readonly faults: FaultPolicy;
  /** One-way network latency for every message, in virtual milliseconds. */
  readonly latencyMs: number;
  /** Extra delays a `delayed` fault picks from (option i+1 of the choice). */
  readonly delayOptionsMs: readonly number[];
  /** How long a crashed service stays down before it restarts. */
  readonly restartAfterMs: number;
  /** How long an await on a service's own database takes: the gap between a handler's steps. */
  readonly stepMs: number;
  /** Extra pauses a `stall` may pick from (option i+1 of the choice). */
  readonly stallOptionsMs: readonly number[];
  /**
   * Run every handler's continuation at once, as if nothing could come between a read and its
   * write. Only for measuring what interleaving costs: it hides every check-then-act race.
   */
  readonly atomicHandlers?: boolean;
  /** The run stops once the next event is due after this virtual time. */
  readonly horizonMs: number;
  /** A run taking more steps than this is a livelock in a model or adapter: it stops with an error. */
  readonly maxSteps: number;
  /** Which interpreter runs the XState machines (machine-engine.ts); `compiled` if not given. */
  readonly engine?: MachineEngine;
}

type QueueItem =
  | { atMs: number; seq: number; kind: 'deliver'; env: Envelope }
  | {
      atMs: number;
      seq: number;
      /** A timer, or the continuation of a handler after an await (a step). */
      kind: 'timer' | 'step';
      id: number;
      owner: string;
      replica: number;
      /** The life of that replica it belongs to: a timer dies with the life that set it. */
      life: number;
      /** For a step, the message whose handler it continues. */
      cause?: number;
      /** For a step, what it handles and which entity, for the story. */
      handles?: { readonly what: string; readonly subject?: string };
      fire: () => void | Promise<void>;
    }
  | { atMs: number; seq: number; kind: 'restart'; owner: string; replica: number };

interface Replica {
  up: boolean;
  /** How many times it has crashed: its timers and steps of an earlier life are void. */
  life: number;
}

interface Slot {
  readonly service: Service;
  readonly crashLabel: string | undefined;
  readonly replicas: Replica[];
  /** The replica whose handler, timer or step is running now: effects are its effects. */
  current: number;
  readonly store: DurableStore;
  /**
   * The policy's labels for this service, asked once each (the policy is pure): null where it has
   * none, undefined until asked. Building a label string per await showed.
   */
  readonly labels: Record<SchedulingDecision | 'commitUnknown', string | null | undefined>;
}

export class World {
  nowMs = 0;
  step = 0;
  readonly trace: TraceEntry[] = [];
  /** The handlers of services' own code that threw, in order (none for the models). */
  handlerErrors: HandlerError[] | undefined;
  private seq = 0;
  private nextEnvelopeId = 1;
  private readonly queue = new EventQueue<QueueItem>();
  private readonly slots = new Map<string, Slot>();
  private lastAddress: string | undefined;
  private lastSlot: Slot | undefined;
  // Made when first needed (most are never needed in a run): an empty Map is some 200 bytes.
  private cancelled: Set<number> | undefined;
  private readonly crashedThisStep: Array<{ slot: Slot; replica: number }> = [];
  private outages: Map<string, boolean> | undefined;
  /** Per partitioned link: until when it is down. */
  private partitions: Map<string, number> | undefined;
  private readonly crashListeners: Array<(owner: string, replica: number) => void> = [];
  private readonly restartListeners: Array<(owner: string, replica: number) => void> = [];
  /** The message whose handler is running now: what it sends and writes are caused by it. */
  private cause: number | undefined;
  private skews: Map<string, number> | undefined;
  /** Made only near the step limit: what the last steps ran. */
  private lastSteps: string[] | undefined;
  /** The step from which what each step runs is kept (the last `busyWindow` before the limit). */
  private readonly busyFrom: number;

  constructor(readonly options: WorldOptions) {
    this.busyFrom = options.maxSteps - busyWindow;
  }

  /** Adds a service running `replicas` instances that share one durable store. */
  add(service: Service, replicas = 1): void {
    if (this.slots.has(service.address)) throw new Error(`service ${service.address} added twice`);
    this.lastAddress = undefined;
    const instances: Replica[] = [];
    for (let r = 0; r < Math.max(1, replicas); r++) instances.push({ up: true, life: 0 });
    this.slots.set(service.address, {
      service,
      crashLabel: this.options.faults.crashLabel(service.address),
      replicas: instances,
      current: 0,
      store: new DurableStore(),
      labels: { stall: undefined, interleave: undefined, replica: undefined, commitUnknown: undefined },
    });
  }

  /**
   * The time as `owner`'s own clock shows it: the world's time, plus a skew picked the first time it
   * is read (`clock.skew`). Timers are unaffected: they count durations, not wall time.
   */
  clockOf(owner: string): number {
    let skewMs = this.skews?.get(owner);
    if (skewMs === undefined) {
      const skew = this.options.faults.clockSkew?.(owner);
      const pick = skew === undefined ? 0 : this.choose(skew.label, skew.optionsMs.length + 1);
      skewMs = pick === 0 ? 0 : (skew?.optionsMs[pick - 1] ?? 0);
      this.skews ??= new Map();
      this.skews.set(owner, skewMs);
      if (skewMs !== 0)
        this.recordFault(
          skew?.label ?? 'clock.skew',
          `${owner}'s clock is ${Math.abs(skewMs) / 1000} s ${skewMs < 0 ? 'behind' : 'ahead'}`,
        );
    }
    return this.nowMs + skewMs;
  }

  store(owner: string): DurableStore {
    return this.slot(owner).store;
  }

  stores(): Map<string, DurableStore> {
    const stores = new Map<string, DurableStore>();
    for (const [address, slot] of this.slots) stores.set(address, slot.store);
    return stores;
  }

  /** Whether the replica of `owner` that is running now is up (it may have died at a crash point). */
  isUp(owner: string): boolean {
    const slot = this.slot(owner);
    return (slot.replicas[slot.current] as Replica).up;
  }

  /** The replica of `owner` whose handler, timer or step is running now. */
  replicaOf(owner: string): number {
    return this.slot(owner).current;
  }

  /** Asks the run's one source of nondeterminism (ARCHITECTURE.md principle 3). */
  choose(label: string, optionCount: number): number {
    return this.options.choices.choose(label, optionCount);
  }

  /**
   * Sends a message. Returns false when the sender crashed at this point instead (the crash
   * point before every effect of a crashable service) or is down.
   */
  send<M extends Message>(
    from: string,
    to: string,
    msg: M,
    tag?: string,
    replyTo?: { readonly replica?: number },
  ): boolean {
    if (!this.crashPoint(from)) return false;
    const sender = this.find(from);
    // Built field by field (the same keys, in the same order, as a spread would give): no spread per message.
    const built: Mutable<Envelope> = {
      id: this.nextEnvelopeId++,
      from,
      to,
      msg,
      sentAtMs: this.nowMs,
    };
    if (tag !== undefined) built.tag = tag;
    if (this.cause !== undefined) built.cause = this.cause;
    if (sender !== undefined && sender.replicas.length > 1) built.fromReplica = sender.current;
    if (replyTo?.replica !== undefined) built.toReplica = replyTo.replica;
    let env: Envelope = built;
    const faults = this.options.faults.linkFaults(env);
    let delayMs = this.options.latencyMs;
    if (faults !== undefined) {
      if (faults.partition !== undefined && this.partitioned(faults.partition, env)) {
        this.recordFault(faults.partition.label, 'lost (the link is partitioned)', env);
        return true;
      }
      if (faults.outage !== undefined && this.linkDown(faults.outage.label, faults.outage.key)) {
        this.recordFault(faults.outage.label, 'lost (link down for this flow)', env);
        return true;
      }
      if (faults.corrupted !== undefined && this.choose(faults.corrupted, 2) === 1) {
        env = extend(env, { msg: this.options.faults.corrupt(msg), tag: faults.corrupted });
        this.recordFault(faults.corrupted, 'altered in flight', env);
      }
      if (faults.replayed !== undefined && this.choose(faults.replayed.label, 2) === 1) {
        const { label, from: by, afterMs } = faults.replayed;
        const copy: Envelope = extend(env, { id: this.nextEnvelopeId++, from: by, tag: label });
        this.recordFault(
          label,
          `captured in flight by the ${by}, who sends it again ${afterMs / 60_000} min later`,
          env,
        );
        this.push({ atMs: this.nowMs + afterMs, seq: this.seq++, kind: 'deliver', env: copy });
      }
      if (faults.lost !== undefined && this.choose(faults.lost, 2) === 1) {
        this.recordFault(faults.lost, 'lost', env);
        return true;
      }
      if (faults.delayed !== undefined) {
        const options = faults.delayOptionsMs ?? this.options.delayOptionsMs;
        const pick = this.choose(faults.delayed, options.length + 1);
        if (pick > 0) {
          const extra = options[pick - 1] as number;
          delayMs += extra;
          this.recordFault(faults.delayed, `delayed ${extra} ms`, env);
        }
      }
      if (faults.duplicated !== undefined) {
        // Option 1: both copies at once (concurrent); option 2: the copy a little later.
        const pick = this.choose(faults.duplicated, 3);
        if (pick > 0) {
          const copy: Envelope = extend(env, { id: this.nextEnvelopeId++ });
          const copyDelayMs = delayMs + (pick === 1 ? 0 : 3 * this.options.latencyMs);
          this.recordFault(
            faults.duplicated,
            pick === 1 ? 'duplicated, both copies at once' : 'duplicated, copy a little later',
            copy,
          );
          this.push({ atMs: this.nowMs + delayMs, seq: this.seq++, kind: 'deliver', env });
          this.push({ atMs: this.nowMs + copyDelayMs, seq: this.seq++, kind: 'deliver', env: copy });
          return true;
        }
      }
    }
    this.push({ atMs: this.nowMs + delayMs, seq: this.seq++, kind: 'deliver', env });
    return true;
  }

  /**
   * Writes a durable row. Returns 'crashed' if the owner died just before, 'conflict' on a unique
   * clash, and 'unknown' if the commit took but the owner's client saw a timeout (`db.timeout`).
   */
  write(
    owner: string,
    table: string,
    key: string,
    row: Row,
    options: { uniqueBy?: string; fulfils?: boolean; fact?: object } = {},
  ): 'ok' | 'conflict' | 'crashed' | 'unknown' {
    if (!this.crashPoint(owner)) return 'crashed';
    const slot = this.slot(owner);
    if (!slot.store.put(table, key, row, options.uniqueBy)) return 'conflict';
    const entry: Mutable<TraceEntry & { kind: 'write' }> = {
      step: this.step,
      atMs: this.nowMs,
      kind: 'write',
      owner,
      table,
      key,
      row,
    };
    if (options.fulfils) entry.fulfils = true;
    if (options.fact !== undefined) entry.fact = options.fact;
    if (this.cause !== undefined) entry.cause = this.cause;
    this.record(entry);
    return this.commitSeen(owner, `write of ${table} ${key}`, key);
  }

  /**
   * For a store the world does not hold (a SQL database behind a port): the crash point before a
   * commit. False: the owner died here, and its transaction must be rolled back.
   */
  beforeCommit(owner: string): boolean {
    return this.crashPoint(owner);
  }

  /**
   * Records a commit to such a store (its statements, for the story; the facts it tells the
   * checkers), then whether its client saw it: 'unknown' under `db.timeout`.
   */
  committed(owner: string, statements: readonly string[], fact: object | undefined): 'ok' | 'unknown' {
    const entry: Mutable<TraceEntry & { kind: 'commit' }> = {
      step: this.step,
      atMs: this.nowMs,
      kind: 'commit',
      owner,
      statements,
    };
    if (fact !== undefined) entry.fact = fact;
    if (this.cause !== undefined) entry.cause = this.cause;
    this.record(entry);
    return this.commitSeen(owner, statements.length === 1 ? `commit of ${statements[0]}` : 'commit');
  }

  /** After a commit: does its client see it, or a timeout (`db.timeout`)? */
  private commitSeen(owner: string, what: string, subject?: string): 'ok' | 'unknown' {
    const label = this.policyLabel(owner, 'commitUnknown');
    if (label === undefined || this.choose(label, 2) === 0) return 'ok';
    this.recordFault(
      label,
      `${owner}'s ${what} is committed, but its client sees a timeout: the handler fails after it`,
      undefined,
      subject,
    );
    return 'unknown';
  }

  /**
   * A timer of the replica of `owner` running now; it dies with that replica. `fire` may return a
   * promise (async adapters); the world waits for it before the next event.
   */
  setTimer(owner: string, delayMs: number, fire: () => void | Promise<void>): number {
    return this.schedule('timer', owner, Math.max(0, delayMs), fire);
  }

  /**
   * The continuation of a handler of `owner` after an await on its database: it runs `stepMs`
   * later, or later still if the handler stalls there (a choice), unless its replica dies first.
   */
  await(owner: string, fire: () => void | Promise<void>, subject?: string, what = 'handler'): number {
    if (this.options.atomicHandlers) {
      void fire();
      return -1;
    }
    let delayMs = this.options.stepMs;
    const label = this.policyLabel(owner, 'stall');
    if (label !== undefined) {
      const pick = this.choose(label, this.options.stallOptionsMs.length + 1);
      if (pick > 0) {
        const extra = this.options.stallOptionsMs[pick - 1] as number;
        delayMs += extra;
        this.recordFault(
          label,
          `${owner}'s ${what}${subject === undefined ? '' : ` for ${subject}`} stalls ${extra} ms at a database call`,
          undefined,
          subject,
        );
      }
    }
    return this.schedule('step', owner, delayMs, fire, this.cause, { what, subject });
  }

  clearTimer(id: number): void {
    this.cancelled ??= new Set();
    this.cancelled.add(id);
  }

  /** Records a fault that a fake applied itself (e.g. a gateway answering with an error). */
  recordFault(fault: string, detail: string, env?: Envelope, subject?: string): void {
    this.record({ step: this.step, atMs: this.nowMs, kind: 'fault', fault, detail, env, subject });
  }

  /** Records a fact a service reports outright (not through a write); the checkers read it. */
  observe(owner: string, fact: object): void {
    const entry: Mutable<TraceEntry & { kind: 'observe' }> = {
      step: this.step,
      atMs: this.nowMs,
      kind: 'observe',
      owner,
      fact,
    };
    if (this.cause !== undefined) entry.cause = this.cause;
    this.record(entry);
  }

  /**
   * A handler of `failure.owner`'s own code failed: kept for the search, and told in the story as
   * `text` (by default, what failed and why), or not at all (`null`: the caller has told it).
   */
  handlerFailed(failure: HandlerError, text?: string | null): void {
    this.handlerErrors ??= [];
    this.handlerErrors.push(failure);
    if (text === null) return;
    const what =
      failure.subject === undefined ? failure.handler : `${failure.handler} for ${failure.subject}`;
    this.note(
      failure.owner,
      text ?? `${what} failed: ${failure.error}: ${failure.message}`,
      failure.subject,
      true,
    );
  }

  /** Whether a fault struck or a service crashed after the first `mark` entries of the trace. */
  faultedSince(mark: number): boolean {
    for (let i = mark; i < this.trace.length; i++) {
      const kind = (this.trace[i] as TraceEntry).kind;
      if (kind === 'fault' || kind === 'crash') return true;
    }
    return false;
  }

  /** Records what a service did on its own, for the story (not a fault, not a state change). */
  note(owner: string, text: string, subject?: string, failure = false): void {
    const entry: Mutable<TraceEntry & { kind: 'note' }> = {
      step: this.step,
      atMs: this.nowMs,
      kind: 'note',
      owner,
      text,
      subject,
    };
    if (this.cause !== undefined) entry.cause = this.cause;
    if (failure) entry.failure = true;
    this.record(entry);
  }

  /** Runs until nothing is scheduled or the horizon is reached. */
  async run(): Promise<void> {
    try {
      await this.runToEnd();
    } catch (error) {
      // The first error is the one to tell; what finishing then finds follows from it.
      await this.finishAll().catch(() => undefined);
      throw error;
    }
    await this.finishAll();
  }

  private async finishAll(): Promise<void> {
    let first: unknown;
    for (const slot of this.slots.values()) {
      try {
        const finished = slot.service.finish?.();
        if (finished) await finished;
      } catch (error) {
        first ??= error;
      }
    }
    if (first !== undefined) throw first;
  }

  private async runToEnd(): Promise<void> {
    for (const slot of this.slots.values()) {
      for (let replica = 0; replica < slot.replicas.length; replica++) {
        slot.current = replica;
        const started = slot.service.start(replica);
        if (started) await started;
      }
    }
    for (;;) {
      let item = this.queue.pop();
      if (item === undefined || item.atMs > this.options.horizonMs) break;
      if (item.kind !== 'deliver' && item.kind !== 'restart' && this.void(item)) continue;
      if (item.kind === 'step') item = this.interleave(item);
      this.nowMs = item.atMs;
      if (++this.step > this.options.maxSteps) {
        throw new LivelockError(
          `the run was still busy after ${this.options.maxSteps} steps, at ${formatTime(this.nowMs)} (virtual): ${this.busiest()}`,
          this.trace,
        );
      }
      // The last steps before the limit tell what kept the run busy, if it comes to that.
      if (this.step > this.busyFrom) {
        this.lastSteps ??= [];
        this.lastSteps.push(whatRuns(item));
      }
      const done = this.fire(item);
      if (done) await done;
      if (this.crashedThisStep.length > 0) this.finishCrashes();
    }
  }

  /** What most of the last steps before the step limit ran, in words. */
  private busiest(): string {
    const counts = new Map<string, number>();
    for (const what of this.lastSteps ?? []) counts.set(what, (counts.get(what) ?? 0) + 1);
    const [what, n] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['nothing', 0];
    return `${n} of its last ${busyWindow} steps were ${what}, over and over (a handler or timer that never ends)`;
  }

  /** True when nothing is left to happen before the horizon: the run reached quiescence. */
  get quiescent(): boolean {
    const next = this.queue.peek();
    return next === undefined || next.atMs > this.options.horizonMs;
  }

  private fire(item: QueueItem): void | Promise<void> {
    this.cause = item.kind === 'deliver' ? item.env.id : item.kind === 'step' ? item.cause : undefined;
    switch (item.kind) {
      case 'deliver': {
        const slot = this.slot(item.env.to);
        const replica = this.route(item.env, slot);
        if (replica === undefined) {
          this.record({ step: this.step, atMs: this.nowMs, kind: 'refused', env: item.env });
          return;
        }
        slot.current = replica;
        const entry: Mutable<TraceEntry & { kind: 'deliver' }> = {
          step: this.step,
          atMs: this.nowMs,
          kind: 'deliver',
          env: item.env,
        };
        if (slot.replicas.length > 1) entry.replica = replica;
        this.record(entry);
        return slot.service.deliver(item.env, replica);
      }
      case 'timer':
      case 'step': {
        const slot = this.slot(item.owner);
        const replica = slot.replicas[item.replica] as Replica;
        slot.current = item.replica;
        return replica.up ? item.fire() : undefined;
      }
      case 'restart': {
        const slot = this.slot(item.owner);
        (slot.replicas[item.replica] as Replica).up = true;
        slot.current = item.replica;
        this.record({
          step: this.step,
          atMs: this.nowMs,
          kind: 'restart',
          owner: item.owner,
          ...this.replicaField(slot, item.replica),
        });
        const started = slot.service.start(item.replica);
        for (const listener of this.restartListeners) listener(item.owner, item.replica);
        return started;
      }
    }
  }

  private schedule(
    kind: 'timer' | 'step',
    owner: string,
    delayMs: number,
    fire: () => void | Promise<void>,
    cause?: number,
    handles?: { readonly what: string; readonly subject?: string },
  ): number {
    const slot = this.slot(owner);
    const id = this.seq++;
    this.push({
      atMs: this.nowMs + delayMs,
      seq: id,
      kind,
      id,
      owner,
      replica: slot.current,
      life: (slot.replicas[slot.current] as Replica).life,
      fire,
      cause,
      handles,
    });
    return id;
  }

  /**
   * Which up replica takes a message: a reply goes to the one that asked (refused if it is down);
   * anything else to the first, unless the routing choice says otherwise.
   */
  private route(env: Envelope, slot: Slot): number | undefined {
    if (env.toReplica !== undefined && env.toReplica < slot.replicas.length)
      return (slot.replicas[env.toReplica] as Replica).up ? env.toReplica : undefined;
    // One instance: it takes the message if it is up (no choice to ask).
    if (slot.replicas.length === 1) return (slot.replicas[0] as Replica).up ? 0 : undefined;
    const address = env.to;
    const up: number[] = [];
    for (let r = 0; r < slot.replicas.length; r++) if ((slot.replicas[r] as Replica).up) up.push(r);
    if (up.length <= 1) return up[0];
    const label = this.policyLabel(address, 'replica');
    const pick = label === undefined ? 0 : this.choose(label, up.length);
    if (pick > 0) this.recordFault(label as string, `instance #${(up[pick] as number) + 1} takes it`, env);
    return up[pick];
  }

  /**
   * Of the steps of one service ready at this millisecond, which runs first: FIFO unless the
   * interleaving choice picks a later one. The others go back to the queue unchanged.
   */
  private interleave(item: QueueItem & { kind: 'timer' | 'step' }): QueueItem {
    const label = this.policyLabel(item.owner, 'interleave');
    if (label === undefined) return item;
    // Nothing else due at this millisecond: no rival, nothing to take out and put back.
    if (this.queue.peek()?.atMs !== item.atMs) return item;
    const sameTime: QueueItem[] = [];
    for (
      let next = this.queue.peek();
      next !== undefined && next.atMs === item.atMs;
      next = this.queue.peek()
    ) {
      sameTime.push(this.queue.pop() as QueueItem);
    }
    const rivals = sameTime.filter(
      (other) => other.kind === 'step' && other.owner === item.owner && !this.void(other),
    );
    let chosen: QueueItem = item;
    if (rivals.length > 0) {
      const pick = this.choose(label, rivals.length + 1);
      if (pick > 0) {
        chosen = rivals[pick - 1] as QueueItem;
        const later = chosen.kind === 'step' ? chosen.handles : undefined;
        this.recordFault(
          label,
          `${item.owner}'s ${later?.what ?? 'later handler'}${later?.subject === undefined ? '' : ` for ${later.subject}`} runs its next step before an earlier handler's`,
          undefined,
          later?.subject,
        );
      }
    }
    for (const other of [item, ...sameTime]) if (other !== chosen) this.push(other);
    return chosen;
  }

  /** The fault policy's label for a decision of `owner`, asked once per service and run. */
  private policyLabel(owner: string, decision: SchedulingDecision | 'commitUnknown'): string | undefined {
    const slot = this.find(owner);
    const cached = slot?.labels[decision];
    if (cached !== undefined) return cached ?? undefined;
    const faults = this.options.faults;
    const label =
      decision === 'commitUnknown'
        ? faults.commitUnknownLabel?.(owner)
        : faults.schedulingLabel(owner, decision);
    if (slot !== undefined) slot.labels[decision] = label ?? null;
    return label;
  }

  private replicaField(slot: Slot, replica: number): { replica?: number } {
    return slot.replicas.length > 1 ? { replica } : {};
  }

  /** A partition may start at any message on its link (the choice is asked at each until one strikes); once only. */
  private partitioned(p: NonNullable<LinkFaults['partition']>, env: Envelope): boolean {
    const untilMs = this.partitions?.get(p.key);
    if (untilMs !== undefined) return this.nowMs < untilMs;
    const pick = this.choose(p.label, p.durationsMs.length + 1);
    if (pick === 0) return false;
    const durationMs = p.durationsMs[pick - 1] as number;
    this.partitions ??= new Map();
    this.partitions.set(p.key, this.nowMs + durationMs);
    this.recordFault(p.label, `the link ${p.key} goes down for ${durationMs / 60_000} min`, env);
    return true;
  }

  private linkDown(label: string, key: string): boolean {
    let down = this.outages?.get(key);
    if (down === undefined) {
      down = this.choose(label, 2) === 1;
      this.outages ??= new Map();
      this.outages.set(key, down);
    }
    return down;
  }

  /** The crash point before an effect: false if the running replica of `owner` is down or dies right here. */
  private crashPoint(owner: string): boolean {
    const slot = this.find(owner);
    if (slot === undefined) return true;
    const replica = slot.replicas[slot.current] as Replica;
    if (!replica.up) return false;
    if (slot.crashLabel === undefined || this.choose(slot.crashLabel, 2) === 0) return true;
    this.crashHere(owner, slot, replica);
    return false;
  }

  /**
   * The running replica of `owner` dies now, not by a fault but by what it did (a Node process
   * ends on an unhandled promise rejection); it restarts as after any crash.
   */
  crashNow(owner: string): void {
    const slot = this.slot(owner);
    const replica = slot.replicas[slot.current] as Replica;
    if (replica.up) this.crashHere(owner, slot, replica);
  }

  private crashHere(owner: string, slot: Slot, replica: Replica): void {
    replica.up = false;
    replica.life++;
    this.record({
      step: this.step,
      atMs: this.nowMs,
      kind: 'crash',
      owner,
      ...this.replicaField(slot, slot.current),
    });
    this.crashedThisStep.push({ slot, replica: slot.current });
    this.push({
      atMs: this.nowMs + this.options.restartAfterMs,
      seq: this.seq++,
      kind: 'restart',
      owner,
      replica: slot.current,
    });
  }

  // Volatile state is dropped after the step, never from inside the handler that was running.
  private finishCrashes(): void {
    for (const { slot, replica } of this.crashedThisStep.splice(0)) {
      slot.current = replica;
      slot.service.crash(replica);
      for (const listener of this.crashListeners) listener(slot.service.address, replica);
    }
  }

  /**
   * Runs `work` as if no message caused it: what a recovery job or a timer does on its own, even
   * when a handler happens to trigger it (e.g. rebuilding an entity it needs from its row).
   */
  uncaused(work: () => void): void {
    const cause = this.cause;
    this.cause = undefined;
    try {
      work();
    } finally {
      this.cause = cause;
    }
  }

  /** Tells `listener` after an instance of any service has crashed (e.g. a broker closing its channels). */
  onCrash(listener: (owner: string, replica: number) => void): void {
    this.crashListeners.push(listener);
  }

  /** Tells `listener` when an instance of any service has restarted. */
  onRestart(listener: (owner: string, replica: number) => void): void {
    this.restartListeners.push(listener);
  }

  /** Whether any replica of `owner` is up: a service with none left has lost all its memory. */
  anyUp(owner: string): boolean {
    return this.slot(owner).replicas.some((r) => r.up);
  }

  private push(item: QueueItem): void {
    this.queue.push(item);
  }

  /** A timer or step cleared, or set in an earlier life of its replica (one that crashed since). */
  private void(item: QueueItem & { kind: 'timer' | 'step' }): boolean {
    if (this.cancelled?.has(item.id)) return true;
    return (this.slot(item.owner).replicas[item.replica] as Replica).life !== item.life;
  }

  /** The slot at `address`, if any; the last one found is kept, since a handler asks for its own again and again. */
  private find(address: string): Slot | undefined {
    if (address === this.lastAddress) return this.lastSlot;
    const slot = this.slots.get(address);
    this.lastAddress = address;
    this.lastSlot = slot;
    return slot;
  }

  private record(entry: TraceEntry): void {
    this.trace.push(entry);
  }

  private slot(address: string): Slot {
    const slot = this.find(address);
    if (slot === undefined) throw new Error(`no service at address "${address}"`);
    return slot;
  }
}

/** How many steps before the limit are kept to say what kept a run busy. */
const busyWindow = 200;

/** What a queued item runs, in words: `deliveries of gateway.notify to pc`, `timers of app`. */
function whatRuns(item: QueueItem): string {
  if (item.kind === 'deliver') return `deliveries of ${item.env.msg.type} to ${item.env.to}`;
  if (item.kind === 'restart') return `restarts of ${item.owner}`;
  const subject = item.handles?.subject === undefined ? '' : ` for ${item.handles.subject}`;
  return item.kind === 'step'
    ? `${item.owner}'s ${item.handles?.what ?? 'handler'}${subject} going on after a database call`
    : `timers of ${item.owner}`;
}

/** An object whose fields are set one by one as it is built (trace entries, envelopes). */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A run that never settles: a model or adapter keeps scheduling work at the same pace forever. */
export class LivelockError extends Error {
  constructor(
    message: string,
    readonly trace: readonly TraceEntry[],
  ) {
    super(message);
  }
}
