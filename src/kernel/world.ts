// The world owns virtual time, delivery and the trace (ARCHITECTURE.md principle 2). Services never
// reach each other directly: every message goes through `send`, where the fault policy may lose,
// duplicate or delay it, and every durable write goes through `write`, before which a crashable
// owner may die. Timers live in the world's event queue and fire only when the world advances the
// clock. The world knows nothing about payments.

import type { Choices } from './choices.ts';
import { DurableStore } from './durable-store.ts';
import { EventQueue } from './event-queue.ts';
import type { Envelope, Message, Row, TraceEntry } from './trace.ts';

export interface Service {
  readonly address: string;
  /** Handles one delivered message. May return a promise (adapters over async code). */
  deliver(env: Envelope): void | Promise<void>;
  /** Builds volatile state from durable state: at the start of the run and after a crash. */
  start(): void | Promise<void>;
  /** Drops volatile state. The world has already cancelled the service's timers. */
  crash(): void;
}

/** Which named faults may strike one message on its way; undefined fields mean "never". */
export interface LinkFaults {
  readonly lost?: string;
  readonly duplicated?: string;
  readonly delayed?: string;
  /** A fault that alters the message in flight; the policy's `corrupt` says how. */
  readonly corrupted?: string;
  /** A fault that takes the link down for one flow (`key`) for the whole run, decided once per key. */
  readonly outage?: { readonly label: string; readonly key: string };
}

export interface FaultPolicy {
  linkFaults(env: Envelope): LinkFaults | undefined;
  corrupt(msg: Message): Message;
  /** The choice label asked before each effect of `owner`, if it can crash. */
  crashLabel(owner: string): string | undefined;
}

export interface WorldOptions {
  readonly choices: Choices;
  readonly faults: FaultPolicy;
  /** One-way network latency for every message, in virtual milliseconds. */
  readonly latencyMs: number;
  /** Extra delays a `delayed` fault picks from (option i+1 of the choice). */
  readonly delayOptionsMs: readonly number[];
  /** How long a crashed service stays down before it restarts. */
  readonly restartAfterMs: number;
  /** The run stops once the next event is due after this virtual time. */
  readonly horizonMs: number;
  /** A run taking more steps than this is a livelock in a model or adapter: it stops with an error. */
  readonly maxSteps: number;
}

type QueueItem =
  | { atMs: number; seq: number; kind: 'deliver'; env: Envelope }
  | { atMs: number; seq: number; kind: 'timer'; id: number; owner: string; fire: () => void | Promise<void> }
  | { atMs: number; seq: number; kind: 'restart'; owner: string };

interface Slot {
  readonly service: Service;
  readonly crashLabel: string | undefined;
  up: boolean;
  readonly timers: Set<number>;
  readonly store: DurableStore;
}

export class World {
  nowMs = 0;
  step = 0;
  readonly trace: TraceEntry[] = [];
  private seq = 0;
  private nextEnvelopeId = 1;
  private readonly queue = new EventQueue<QueueItem>();
  private readonly slots = new Map<string, Slot>();
  private readonly cancelled = new Set<number>();
  private readonly crashedThisStep: Slot[] = [];
  private readonly outages = new Map<string, boolean>();

  constructor(readonly options: WorldOptions) {}

  add(service: Service): void {
    if (this.slots.has(service.address)) throw new Error(`service ${service.address} added twice`);
    this.slots.set(service.address, {
      service,
      crashLabel: this.options.faults.crashLabel(service.address),
      up: true,
      timers: new Set(),
      store: new DurableStore(),
    });
  }

  store(owner: string): DurableStore {
    return this.slot(owner).store;
  }

  stores(): Map<string, DurableStore> {
    return new Map([...this.slots].map(([address, slot]) => [address, slot.store]));
  }

  isUp(owner: string): boolean {
    return this.slot(owner).up;
  }

  /** Asks the run's one source of nondeterminism (ARCHITECTURE.md principle 3). */
  choose(label: string, optionCount: number): number {
    return this.options.choices.choose(label, optionCount);
  }

  /**
   * Sends a message. Returns false when the sender crashed at this point instead (the crash
   * point before every effect of a crashable service) or is down.
   */
  send<M extends Message>(from: string, to: string, msg: M, tag?: string): boolean {
    if (!this.crashPoint(from)) return false;
    let env: Envelope = { id: this.nextEnvelopeId++, from, to, msg, sentAtMs: this.nowMs, tag };
    const faults = this.options.faults.linkFaults(env);
    let delayMs = this.options.latencyMs;
    if (faults !== undefined) {
      if (faults.outage !== undefined && this.linkDown(faults.outage.label, faults.outage.key)) {
        this.recordFault(faults.outage.label, 'lost (link down for this flow)', env);
        return true;
      }
      if (faults.corrupted !== undefined && this.choose(faults.corrupted, 2) === 1) {
        env = { ...env, msg: this.options.faults.corrupt(msg), tag: faults.corrupted };
        this.recordFault(faults.corrupted, 'altered in flight', env);
      }
      if (faults.lost !== undefined && this.choose(faults.lost, 2) === 1) {
        this.recordFault(faults.lost, 'lost', env);
        return true;
      }
      if (faults.delayed !== undefined) {
        const pick = this.choose(faults.delayed, this.options.delayOptionsMs.length + 1);
        if (pick > 0) {
          const extra = this.options.delayOptionsMs[pick - 1] as number;
          delayMs += extra;
          this.recordFault(faults.delayed, `delayed ${extra} ms`, env);
        }
      }
      if (faults.duplicated !== undefined) {
        // Option 1: both copies at once (concurrent); option 2: the copy a little later.
        const pick = this.choose(faults.duplicated, 3);
        if (pick > 0) {
          const copy: Envelope = { ...env, id: this.nextEnvelopeId++ };
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

  /** Writes a durable row. Returns 'crashed' if the owner died just before, 'conflict' on a unique clash. */
  write(
    owner: string,
    table: string,
    key: string,
    row: Row,
    uniqueBy?: string,
  ): 'ok' | 'conflict' | 'crashed' {
    if (!this.crashPoint(owner)) return 'crashed';
    const slot = this.slot(owner);
    if (!slot.store.put(table, key, row, uniqueBy)) return 'conflict';
    this.record({ step: this.step, atMs: this.nowMs, kind: 'write', owner, table, key, row });
    return 'ok';
  }

  /** `fire` may return a promise (async adapters); the world waits for it before the next event. */
  setTimer(owner: string, delayMs: number, fire: () => void | Promise<void>): number {
    const slot = this.slot(owner);
    const id = this.seq++;
    slot.timers.add(id);
    this.push({ atMs: this.nowMs + Math.max(0, delayMs), seq: id, kind: 'timer', id, owner, fire });
    return id;
  }

  clearTimer(id: number): void {
    this.cancelled.add(id);
  }

  /** Records a fault that a fake applied itself (e.g. a gateway answering with an error). */
  recordFault(fault: string, detail: string, env?: Envelope, subject?: string): void {
    this.record({ step: this.step, atMs: this.nowMs, kind: 'fault', fault, detail, env, subject });
  }

  /** Records what a service did on its own, for the story (not a fault, not a state change). */
  note(owner: string, text: string, subject?: string): void {
    this.record({ step: this.step, atMs: this.nowMs, kind: 'note', owner, text, subject });
  }

  /** Runs until nothing is scheduled or the horizon is reached. */
  async run(): Promise<void> {
    for (const slot of this.slots.values()) {
      const started = slot.service.start();
      if (started) await started;
    }
    for (;;) {
      const item = this.queue.pop();
      if (item === undefined || item.atMs > this.options.horizonMs) break;
      if (item.kind === 'timer' && this.cancelled.has(item.id)) continue;
      this.nowMs = item.atMs;
      if (++this.step > this.options.maxSteps) {
        throw new LivelockError(
          `the run took more than ${this.options.maxSteps} steps by ${this.nowMs} ms (virtual)`,
          this.trace,
        );
      }
      const done = this.fire(item);
      if (done) await done;
      if (this.crashedThisStep.length > 0) this.finishCrashes();
    }
  }

  /** True when nothing is left to happen before the horizon: the run reached quiescence. */
  get quiescent(): boolean {
    const next = this.queue.peek();
    return next === undefined || next.atMs > this.options.horizonMs;
  }

  private fire(item: QueueItem): void | Promise<void> {
    switch (item.kind) {
      case 'deliver': {
        const slot = this.slot(item.env.to);
        if (!slot.up) {
          this.record({ step: this.step, atMs: this.nowMs, kind: 'refused', env: item.env });
          return;
        }
        this.record({ step: this.step, atMs: this.nowMs, kind: 'deliver', env: item.env });
        return slot.service.deliver(item.env);
      }
      case 'timer': {
        const slot = this.slot(item.owner);
        slot.timers.delete(item.id);
        return slot.up ? item.fire() : undefined;
      }
      case 'restart': {
        const slot = this.slot(item.owner);
        slot.up = true;
        this.record({ step: this.step, atMs: this.nowMs, kind: 'restart', owner: item.owner });
        return slot.service.start();
      }
    }
  }

  private linkDown(label: string, key: string): boolean {
    let down = this.outages.get(key);
    if (down === undefined) {
      down = this.choose(label, 2) === 1;
      this.outages.set(key, down);
    }
    return down;
  }

  /** The crash point before an effect: false if `owner` is down or dies right here. */
  private crashPoint(owner: string): boolean {
    const slot = this.slots.get(owner);
    if (slot === undefined) return true;
    if (!slot.up) return false;
    if (slot.crashLabel === undefined || this.choose(slot.crashLabel, 2) === 0) return true;
    slot.up = false;
    for (const id of slot.timers) this.cancelled.add(id);
    slot.timers.clear();
    this.record({ step: this.step, atMs: this.nowMs, kind: 'crash', owner });
    this.crashedThisStep.push(slot);
    this.push({ atMs: this.nowMs + this.options.restartAfterMs, seq: this.seq++, kind: 'restart', owner });
    return false;
  }

  // Volatile state is dropped after the step, never from inside the handler that was running.
  private finishCrashes(): void {
    for (const slot of this.crashedThisStep.splice(0)) slot.service.crash();
  }

  private push(item: QueueItem): void {
    this.queue.push(item);
  }

  private record(entry: TraceEntry): void {
    this.trace.push(entry);
  }

  private slot(address: string): Slot {
    const slot = this.slots.get(address);
    if (slot === undefined) throw new Error(`no service at address "${address}"`);
    return slot;
  }
}

/** A run that never settles: a model or adapter keeps scheduling work at the same pace forever. */
export class LivelockError extends Error {
  constructor(
    message: string,
    readonly trace: readonly TraceEntry[],
  ) {
    super(message);
  }
}
