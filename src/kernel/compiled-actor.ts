// Runs a compiled machine (compiled-machine.ts) as the part of XState's Actor that machine-host.ts
// uses, with XState's semantics step for step, so that both engines give the same trace:
//
// - a macrostep takes one event: the transitions it selects (deepest state first, every region of a
//   parallel state), then eventless (`always`) transitions after each microstep, then raised events
//   in order, each followed by eventless transitions again;
// - a microstep runs exit actions (deepest first), transition actions, entry actions (document
//   order); `assign` changes the context at once, for the actions after it;
// - effects are deferred to the end of the macrostep and carried out in order: emitted events to
//   `on` listeners, delayed events (`after`, delayed `raise`) scheduled on the given clock,
//   cancelled ones cleared; events sent meanwhile wait in the mailbox for the next macrostep;
// - a final state stops the actor, and `stop` clears its timers, as XState does.
//
// What depends only on the configuration (which transitions an event type may select, a microstep's
// exits, entries and next configuration) is worked out once per machine (configuration.ts); a
// macrostep here runs guards and actions.
//
// XState's own interpreter stays the reference (`--engine xstate`); test/kernel/
// compiled-machine.prop.test.ts compares the two on random event sequences for every machine.

import type {
  AnyEvent,
  CompiledMachine,
  CompiledNode,
  CompiledTransition,
  Deferred,
  Run,
} from './compiled-machine.ts';
import {
  type Configuration,
  configurationOf,
  doneEvent,
  rootConfiguration,
  type Selector,
  type StateValue,
} from './configuration.ts';

export type { StateValue } from './configuration.ts';

export interface ActorClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

type Status = 'active' | 'done' | 'error' | 'stopped';

export class CompiledSnapshot {
  readonly output = undefined;
  constructor(
    readonly machine: CompiledMachine,
    readonly status: Status,
    readonly context: Record<string, unknown>,
    readonly configuration: Configuration,
    readonly error?: unknown,
  ) {}

  get value(): StateValue {
    return this.configuration.value;
  }

  with(status: Status, error?: unknown): CompiledSnapshot {
    return new CompiledSnapshot(this.machine, status, this.context, this.configuration, error);
  }
}

/** What `getPersistedSnapshot` gives: the same fields XState persists for a machine without children. */
export interface PersistedSnapshot {
  readonly status: Status;
  readonly value: StateValue;
  readonly context: Record<string, unknown>;
  readonly output: undefined;
  readonly error: unknown;
  readonly historyValue: Record<string, never>;
  readonly children: Record<string, never>;
}

export function persistSnapshot(snapshot: CompiledSnapshot): PersistedSnapshot {
  return {
    status: snapshot.status,
    value: snapshot.value,
    context: snapshot.context,
    output: undefined,
    error: snapshot.error,
    historyValue: {},
    children: {},
  };
}

enum Processing {
  NotStarted = 0,
  Running = 1,
  Stopped = 2,
}

type Listener = (event: AnyEvent) => void;
const STOP = 'xstate.stop';

export class CompiledActor {
  private processing = Processing.NotStarted;
  private snapshot: CompiledSnapshot;
  /** Waiting events are mailbox[head..tail); the array is kept between flushes, not reallocated. */
  private readonly mailbox: AnyEvent[] = [];
  private head = 0;
  private tail = 0;
  private flushing = false;
  private mailboxActive = false;
  private readonly deferred: Deferred[] = [];
  /** One macrostep's state, kept between macrosteps (they never overlap in one actor): reset, not remade. */
  private step: Step | undefined;
  /** Replaced, never changed in place: an emit goes through the listeners there were when it began. */
  private listeners: readonly Subscription[] = noListeners;
  /**
   * Delayed events by id, in the order first scheduled, as XState's system keeps them: a Map's
   * semantics in two arrays (an actor has a few at most; a small Map reallocates as it empties).
   */
  private readonly scheduledIds: string[] = [];
  private readonly scheduled: Array<{ event: AnyEvent; timer: unknown }> = [];
  private nextScheduleId = 0;
  private readonly clock: ActorClock;

  constructor(
    readonly logic: CompiledMachine,
    options: { readonly input?: unknown; readonly snapshot?: PersistedSnapshot; readonly clock: ActorClock },
  ) {
    this.clock = options.clock;
    if (options.snapshot !== undefined) this.snapshot = restore(logic, options.snapshot);
    else {
      try {
        this.snapshot = this.initialSnapshot(options.input);
      } catch (error) {
        this.snapshot = new CompiledSnapshot(logic, 'error', {}, rootConfiguration(logic), error);
      }
    }
  }

  getSnapshot(): CompiledSnapshot {
    return this.snapshot;
  }

  on(type: string, listener: Listener): { unsubscribe(): void } {
    // One entry per call, so that one listener added twice is called twice, as in XState.
    const subscription = new Subscription(this, type, listener);
    this.listeners = [...this.listeners, subscription];
    return subscription;
  }

  unsubscribe(subscription: Subscription): void {
    this.listeners = this.listeners.filter((s) => s !== subscription);
  }

  /** The delayed event scheduled last that is still pending (what XState's system snapshot lists last). */
  lastScheduledEvent(): AnyEvent | undefined {
    return this.scheduled[this.scheduled.length - 1]?.event;
  }

  start(): this {
    if (this.processing === Processing.Running) return this;
    this.processing = Processing.Running;
    const status = this.snapshot.status;
    if (status === 'done') {
      this.update(this.snapshot);
      return this;
    }
    if (status === 'error') {
      this.fail(this.snapshot.error);
      return this;
    }
    this.update(this.snapshot);
    this.mailboxActive = true;
    this.flush();
    return this;
  }

  send(event: AnyEvent): void {
    if (this.processing === Processing.Stopped) return;
    this.enqueue(event);
  }

  stop(): this {
    if (this.processing === Processing.Stopped) return this;
    this.clearMailbox();
    if (this.processing === Processing.NotStarted) {
      this.processing = Processing.Stopped;
      return this;
    }
    this.enqueue({ type: STOP });
    return this;
  }

  // The mailbox: one event at a time; what arrives meanwhile waits for the current one to settle.

  private enqueue(event: AnyEvent): void {
    this.mailbox[this.tail++] = event;
    if (!this.flushing && this.mailboxActive) this.flush();
  }

  private flush(): void {
    this.flushing = true;
    const mailbox = this.mailbox;
    while (this.head < this.tail) {
      this.process(mailbox[this.head] as AnyEvent);
      this.head++;
    }
    for (let i = 0; i < this.tail; i++) mailbox[i] = undefined as unknown as AnyEvent;
    this.head = 0;
    this.tail = 0;
    this.flushing = false;
  }

  /** Drops every waiting event but the one being processed (or, idle, the first waiting). */
  private clearMailbox(): void {
    if (this.head >= this.tail) return;
    for (let i = this.head + 1; i < this.tail; i++) this.mailbox[i] = undefined as unknown as AnyEvent;
    this.tail = this.head + 1;
  }

  private process(event: AnyEvent): void {
    if (event.type === STOP) {
      this.update(this.snapshot.with('stopped'));
      this.stopProcedure();
      this.listeners = noListeners;
      return;
    }
    let next: CompiledSnapshot;
    try {
      next = this.macrostep(this.snapshot, event);
    } catch (error) {
      this.deferred.length = 0;
      this.snapshot = this.snapshot.with('error', error);
      this.fail(error);
      return;
    }
    this.update(next);
  }

  private update(snapshot: CompiledSnapshot): void {
    this.snapshot = snapshot;
    const deferred = this.deferred;
    for (let i = 0; i < deferred.length; i++) {
      try {
        this.carryOut(deferred[i] as Deferred);
      } catch (error) {
        deferred.length = 0;
        this.snapshot = snapshot.with('error', error);
      }
    }
    // Emptied only if it holds anything: setting an array's length is a call into the runtime.
    if (deferred.length > 0) deferred.length = 0;
    if (this.snapshot.status === 'done') {
      this.stopProcedure();
      this.listeners = noListeners;
    } else if (this.snapshot.status === 'error' && snapshot.status !== 'error')
      this.fail(this.snapshot.error);
  }

  private fail(error: unknown): void {
    this.stopProcedure();
    this.listeners = noListeners;
    // As XState reports an error no observer takes: out of band, so the step that caused it ends.
    queueMicrotask(() => {
      throw error;
    });
  }

  private stopProcedure(): void {
    if (this.processing !== Processing.Running) return;
    while (this.scheduledIds.length > 0) this.cancel(this.scheduledIds[0] as string);
    this.clearMailbox();
    this.processing = Processing.Stopped;
  }

  private carryOut(d: Deferred): void {
    if (d.kind === 'emit') this.emit(d.event);
    else if (d.kind === 'schedule') this.schedule(d.event, d.delay, d.id ?? `\u0000${this.nextScheduleId++}`);
    else this.cancel(d.id);
  }

  /** To the listeners for its type, then to those for every event ('*'), as XState does. */
  private emit(event: AnyEvent): void {
    const listeners = this.listeners;
    for (const s of listeners) if (s.type === event.type) this.call(s.listener, event);
    for (const s of listeners) if (s.type === '*') this.call(s.listener, event);
  }

  private call(listener: Listener, event: AnyEvent): void {
    try {
      listener(event);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  private schedule(event: AnyEvent, delay: number, id: string): void {
    const entry = { event, timer: undefined as unknown };
    // A Map's set: an id scheduled again keeps its place.
    const at = this.scheduledIds.indexOf(id);
    if (at < 0) {
      this.scheduledIds.push(id);
      this.scheduled.push(entry);
    } else this.scheduled[at] = entry;
    entry.timer = this.clock.setTimeout(() => {
      this.unschedule(id);
      this.send(event);
    }, delay);
  }

  private cancel(id: string): void {
    const entry = this.unschedule(id);
    if (entry !== undefined && entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
  }

  /** A Map's delete: the entry for `id`, taken out, the others keeping their order. */
  private unschedule(id: string): { event: AnyEvent; timer: unknown } | undefined {
    const ids = this.scheduledIds;
    const at = ids.indexOf(id);
    if (at < 0) return undefined;
    const entries = this.scheduled;
    const entry = entries[at];
    for (let i = at + 1; i < ids.length; i++) {
      ids[i - 1] = ids[i] as string;
      entries[i - 1] = entries[i] as { event: AnyEvent; timer: unknown };
    }
    ids.pop();
    entries.pop();
    return entry;
  }

  // The interpreter: XState's macrostep and microstep over the compiled table.

  private initialSnapshot(input: unknown): CompiledSnapshot {
    const logic = this.logic;
    const init: AnyEvent = { type: 'xstate.init', input } as AnyEvent;
    const configured = logic.context;
    const run: Run = {
      context: (typeof configured !== 'function' && configured ? configured : {}) as Record<string, unknown>,
      event: init,
      queue: [],
      deferred: this.deferred,
      assigned: false,
      owned: false,
      self: this,
      contexts: logic.contexts,
    };
    if (typeof configured === 'function') {
      // As XState builds it: own keys only, symbols included (a factory may return anything).
      const partial = configured({ spawn: refuseSpawn, input, self: this });
      run.context = Object.assign({}, run.context, partial);
    }
    const step = new Step(logic, run, rootConfiguration(logic));
    // Kept for the macrosteps to come (reset before each), not made again for the first.
    this.step = step;
    step.microstep([logic.initialTransition], true);
    step.settle(true);
    return new CompiledSnapshot(logic, step.status, run.context, step.configuration);
  }

  private macrostep(snapshot: CompiledSnapshot, event: AnyEvent): CompiledSnapshot {
    let step = this.step;
    if (step === undefined) {
      const run: Run = {
        context: snapshot.context,
        event,
        queue: [],
        deferred: this.deferred,
        assigned: false,
        owned: false,
        self: this,
        contexts: this.logic.contexts,
      };
      step = new Step(this.logic, run, snapshot.configuration, snapshot.status);
      this.step = step;
    } else step.reset(snapshot.context, event, snapshot.configuration, snapshot.status);
    step.microstep(step.select(), false);
    step.settle(true);
    if (!step.changed) return snapshot;
    return new CompiledSnapshot(this.logic, step.status, step.run.context, step.configuration);
  }
}

/** What `on` returns (a class: tsx names each named arrow it creates, which showed per run). */
class Subscription {
  constructor(
    private readonly actor: CompiledActor,
    readonly type: string,
    readonly listener: Listener,
  ) {}

  unsubscribe(): void {
    this.actor.unsubscribe(this);
  }
}

const noListeners: readonly Subscription[] = [];

function refuseSpawn(): never {
  throw new Error('the compiled engine does not spawn actors');
}

/** One macrostep in progress: the configuration and status as its microsteps change them. */
class Step {
  /** Whether any microstep changed the configuration, the context or the status. */
  changed = false;
  constructor(
    private readonly logic: CompiledMachine,
    readonly run: Run,
    public configuration: Configuration,
    /** A snapshot restored as it stopped stays stopped; its transitions still run, once (as in XState). */
    public status: Status = 'active',
  ) {}

  /** Ready for the next macrostep, from `configuration` on `event`. */
  reset(
    context: Record<string, unknown>,
    event: AnyEvent,
    configuration: Configuration,
    status: Status,
  ): void {
    const run = this.run;
    run.context = context;
    run.event = event;
    // A macrostep cut short (an error, a final state) may leave raised events behind.
    while (run.queue.length > 0) run.queue.pop();
    run.assigned = false;
    run.owned = false;
    this.configuration = configuration;
    this.status = status;
    this.changed = false;
  }

  /** Eventless transitions after each microstep, then raised events one by one, until none is left. */
  settle(selectEventless: boolean): void {
    const run = this.run;
    let eventless = selectEventless;
    while (this.status === 'active') {
      let enabled = eventless ? this.eventless() : none;
      const fromEventless = enabled.length > 0;
      if (!fromEventless) {
        const next = run.queue.shift();
        if (next === undefined) break;
        run.event = next;
        enabled = this.select();
      }
      const changed = this.microstep(enabled, false);
      eventless = fromEventless ? changed : true;
    }
  }

  /** The transitions the run's event takes: each region's deepest enabled one; a state's own only if none below. */
  select(): readonly CompiledTransition[] {
    const selector = this.configuration.selector(this.run.event.type);
    return selector === null ? none : this.selectWith(selector);
  }

  private selectWith(selector: Selector): readonly CompiledTransition[] {
    const below = selector.below;
    if (!selector.parallel) {
      const child = below[0];
      if (child !== undefined) {
        const taken = this.selectWith(child);
        if (taken.length > 0) return taken;
      }
      return this.own(selector.own);
    }
    const all: CompiledTransition[] = [];
    for (const child of below) for (const t of this.selectWith(child)) all.push(t);
    return all.length > 0 ? all : this.own(selector.own);
  }

  private own(candidates: readonly CompiledTransition[] | undefined): readonly CompiledTransition[] {
    if (candidates === undefined) return none;
    const { context, event } = this.run;
    for (const t of candidates) {
      if (t.guard === undefined || t.guard(context, event)) {
        t.alone ??= [t];
        return t.alone;
      }
    }
    return none;
  }

  private eventless(): readonly CompiledTransition[] {
    const chains = this.configuration.eventlessChains();
    if (chains === null) return none;
    const { context, event } = this.run;
    let enabled: CompiledTransition[] | undefined;
    for (const chain of chains) {
      search: for (const always of chain) {
        for (const t of always) {
          if (t.guard === undefined || t.guard(context, event)) {
            enabled ??= [];
            if (!enabled.includes(t)) enabled.push(t);
            break search;
          }
        }
      }
    }
    // Conflicting ones are removed by the microstep's plan (kept per set of enabled transitions).
    return enabled ?? none;
  }

  /** One microstep; true if it changed the configuration, the context or the status. */
  microstep(transitions: readonly CompiledTransition[], initial: boolean): boolean {
    if (transitions.length === 0) return false;
    const run = this.run;
    const plan = this.configuration.plan(transitions, initial);
    const assignedBefore = run.assigned;
    run.assigned = false;
    const exitLater = this.logic.exitAfterEntry;
    if (!exitLater) for (const s of plan.exits) for (const op of s.exit) op(run);
    for (const t of plan.taken) for (const op of t.actions) op(run);
    for (const { node, done } of plan.entries) {
      for (const op of node.entry) op(run);
      for (const d of done) run.queue.push(doneEvent(d));
    }
    if (exitLater) for (const s of plan.exits) for (const op of s.exit) op(run);
    if (plan.done) {
      this.status = 'done';
      for (const s of plan.doneExits) for (const op of s.exit) op(run);
    }
    this.configuration = plan.next;
    const changed = plan.configurationChanged || run.assigned || plan.done;
    run.assigned = assignedBefore || run.assigned;
    if (changed) this.changed = true;
    return changed;
  }
}

const none: readonly CompiledTransition[] = [];

/** XState's restoreSnapshot: the active nodes, in the order its getStateNodes and getAllStateNodes give. */
function restore(logic: CompiledMachine, persisted: PersistedSnapshot): CompiledSnapshot {
  const child = (node: CompiledNode, key: string): CompiledNode => {
    const found = node.children.find((c) => c.key === key);
    if (found === undefined) throw new Error(`State '${key}' does not exist on '${node.id}'`);
    return found;
  };
  const nodesOf = (node: CompiledNode, value: StateValue): CompiledNode[] => {
    if (typeof value === 'string') return [node, child(node, value)];
    const keys = Object.keys(value);
    return [
      logic.root,
      node,
      ...keys.map((k) => child(node, k)),
      ...keys.flatMap((k) => nodesOf(child(node, k), value[k] as StateValue)),
    ];
  };
  const set = new Set(nodesOf(logic.root, persisted.value));
  const withChildren = new Set<CompiledNode>();
  for (const s of set) if (s.parent !== undefined) withChildren.add(s.parent);
  const initialNodes = (node: CompiledNode): Set<CompiledNode> => {
    const found = new Set<CompiledNode>();
    const visit = (n: CompiledNode): void => {
      if (found.has(n)) return;
      found.add(n);
      if (n.type === 'compound') visit(n.initial as CompiledNode);
      else if (n.type === 'parallel') for (const c of n.children) visit(c);
    };
    visit(node);
    return found;
  };
  for (const s of set) {
    if (s.type === 'compound' && !withChildren.has(s)) for (const n of initialNodes(s)) set.add(n);
    else if (s.type === 'parallel') {
      for (const c of s.children) if (!set.has(c)) for (const n of initialNodes(c)) set.add(n);
    }
  }
  for (const s of [...set]) for (let m = s.parent; m !== undefined; m = m.parent) set.add(m);
  return new CompiledSnapshot(logic, persisted.status, persisted.context, configurationOf(logic, [...set]));
}
