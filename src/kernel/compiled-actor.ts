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
// XState's own interpreter stays the reference (`--engine xstate`); test/kernel/
// compiled-machine.prop.test.ts compares the two on random event sequences for every machine.

import {
  type AnyEvent,
  type CompiledMachine,
  type CompiledNode,
  type CompiledTransition,
  type Deferred,
  isDescendant,
  type Run,
} from './compiled-machine.ts';

export interface ActorClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

export type StateValue = string | { [key: string]: StateValue };
type Status = 'active' | 'done' | 'error' | 'stopped';

export class CompiledSnapshot {
  readonly output = undefined;
  private computedValue: StateValue | undefined;
  constructor(
    readonly machine: CompiledMachine,
    readonly status: Status,
    readonly context: Record<string, unknown>,
    /** The active state nodes, in XState's `_nodes` order (which orders the regions of a value). */
    readonly nodes: readonly CompiledNode[],
    readonly error?: unknown,
  ) {}

  get value(): StateValue {
    this.computedValue ??= stateValue(this.machine.root, this.nodes);
    return this.computedValue;
  }

  with(status: Status, error?: unknown): CompiledSnapshot {
    return new CompiledSnapshot(this.machine, status, this.context, this.nodes, error);
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
  private readonly listeners = new Map<string, Set<Listener>>();
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
        this.snapshot = new CompiledSnapshot(logic, 'error', {}, [logic.root], error);
      }
    }
  }

  getSnapshot(): CompiledSnapshot {
    return this.snapshot;
  }

  on(type: string, listener: Listener): { unsubscribe(): void } {
    let set = this.listeners.get(type);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(type, set);
    }
    // Wrapped, so that one listener added twice is called twice, as in XState.
    const own = wrap(listener);
    set.add(own);
    return new Subscription(set, own);
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
      this.listeners.clear();
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
      this.listeners.clear();
    } else if (this.snapshot.status === 'error' && snapshot.status !== 'error')
      this.fail(this.snapshot.error);
  }

  private fail(error: unknown): void {
    this.stopProcedure();
    this.listeners.clear();
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

  private emit(event: AnyEvent): void {
    const own = this.listeners.get(event.type);
    const any = this.listeners.get('*');
    if (own === undefined && any === undefined) return;
    // The host's one listener, called without copying the set (what it adds meanwhile is not called).
    if (own === undefined && (any as Set<Listener>).size === 1) {
      for (const listener of any as Set<Listener>) {
        this.call(listener, event);
        break;
      }
      return;
    }
    const all = [...(own ?? []), ...(any ?? [])];
    for (const listener of all) this.call(listener, event);
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
    };
    if (typeof configured === 'function') {
      const partial = configured({ spawn: refuseSpawn, input, self: this });
      run.context = Object.assign({}, run.context, partial);
    }
    const step = new Step(logic, run, [logic.root]);
    step.microstep([logic.initialTransition], true);
    step.settle(true);
    return new CompiledSnapshot(logic, step.status, run.context, step.nodes);
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
      };
      step = new Step(this.logic, run, snapshot.nodes as CompiledNode[], snapshot.status);
      this.step = step;
    } else step.reset(snapshot.context, event, snapshot.nodes as CompiledNode[], snapshot.status);
    // The snapshot's nodes are shared until a microstep changes them, then copied (unshare).
    step.shared = true;
    const run = step.run;
    step.microstep(step.select(this.logic.root), false);
    step.settle(true);
    if (!step.changed) return snapshot;
    return new CompiledSnapshot(this.logic, step.status, run.context, step.nodes);
  }
}

function wrap(listener: Listener): Listener {
  return (event) => listener(event);
}

/** What `on` returns (a class: tsx names each named arrow it creates, which showed per run). */
class Subscription {
  constructor(
    private readonly set: Set<Listener>,
    private readonly listener: Listener,
  ) {}

  unsubscribe(): void {
    this.set.delete(this.listener);
  }
}

function refuseSpawn(): never {
  throw new Error('the compiled engine does not spawn actors');
}

/** One macrostep in progress: the configuration and status as its microsteps change them. */
class Step {
  /** Whether any microstep changed the configuration, the context or the status. */
  changed = false;
  /** Whether `nodes` is still the snapshot's own array, to be copied before it changes. */
  shared = false;
  constructor(
    private readonly logic: CompiledMachine,
    readonly run: Run,
    public nodes: CompiledNode[],
    /** A snapshot restored as it stopped stays stopped; its transitions still run, once (as in XState). */
    public status: Status = 'active',
  ) {}

  /** Ready for the next macrostep, from `nodes` (shared with its snapshot) on `event`. */
  reset(context: Record<string, unknown>, event: AnyEvent, nodes: CompiledNode[], status: Status): void {
    const run = this.run;
    run.context = context;
    run.event = event;
    // A macrostep cut short (an error, a final state) may leave raised events behind.
    while (run.queue.length > 0) run.queue.pop();
    run.assigned = false;
    run.owned = false;
    this.nodes = nodes;
    this.status = status;
    this.changed = false;
  }

  /** The configuration, as an array of this macrostep's own, ready to change. */
  private unshare(): CompiledNode[] {
    if (this.shared) {
      this.nodes = this.nodes.slice();
      this.shared = false;
    }
    return this.nodes;
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
        enabled = this.select(this.logic.root);
      }
      const changed = this.microstep(enabled, false);
      eventless = fromEventless ? changed : true;
    }
  }

  /** The transitions an event takes: each region's deepest enabled one; a state's own only if none below. */
  select(node: CompiledNode): readonly CompiledTransition[] {
    if (node.type === 'compound') {
      const child = this.activeChild(node);
      if (child !== undefined) {
        const below = this.select(child);
        if (below.length > 0) return below;
      }
      return this.own(node);
    }
    if (node.type === 'parallel') {
      const all: CompiledTransition[] = [];
      for (const child of this.nodes) {
        if (child.parent !== node) continue;
        for (const t of this.select(child)) all.push(t);
      }
      return all.length > 0 ? all : this.own(node);
    }
    return this.own(node);
  }

  private own(node: CompiledNode): readonly CompiledTransition[] {
    const candidates = node.on.get(this.run.event.type);
    if (candidates === undefined) return none;
    for (const t of candidates) {
      if (t.guard === undefined || t.guard(this.run.context, this.run.event)) {
        t.alone ??= [t];
        return t.alone;
      }
    }
    return none;
  }

  private activeChild(node: CompiledNode): CompiledNode | undefined {
    for (const n of this.nodes) if (n.parent === node) return n;
    return undefined;
  }

  private eventless(): readonly CompiledTransition[] {
    const enabled: CompiledTransition[] = [];
    for (const atomic of this.nodes) {
      if (atomic.type !== 'atomic' && atomic.type !== 'final') continue;
      search: for (let s: CompiledNode | undefined = atomic; s !== undefined; s = s.parent) {
        if (s.always === undefined) continue;
        for (const t of s.always) {
          if (t.guard === undefined || t.guard(this.run.context, this.run.event)) {
            if (!enabled.includes(t)) enabled.push(t);
            break search;
          }
        }
      }
    }
    if (enabled.length === 0) return none;
    return enabled.length > 1 ? this.withoutConflicts(enabled) : enabled;
  }

  /** XState's removeConflictingTransitions: of two transitions exiting a common state, the deeper source wins. */
  private withoutConflicts(enabled: readonly CompiledTransition[]): CompiledTransition[] {
    const kept: CompiledTransition[] = [];
    for (const t1 of enabled) {
      let preempted = false;
      const remove: CompiledTransition[] = [];
      const exits1 = this.exitSet([t1]);
      for (const t2 of kept) {
        const exits2 = this.exitSet([t2]);
        if (exits1.some((s) => exits2.includes(s))) {
          if (isDescendant(t1.source, t2.source)) remove.push(t2);
          else {
            preempted = true;
            break;
          }
        }
      }
      if (preempted) continue;
      for (const t of remove) kept.splice(kept.indexOf(t), 1);
      kept.push(t1);
    }
    return kept;
  }

  private exitSet(transitions: readonly CompiledTransition[], exits: CompiledNode[] = []): CompiledNode[] {
    for (const t of transitions) {
      if (t.targets === undefined || t.targets.length === 0) continue;
      const domain = t.domain;
      if (t.reenter && t.source === domain && !exits.includes(domain)) exits.push(domain);
      for (const s of this.nodes) if (isDescendant(s, domain) && !exits.includes(s)) exits.push(s);
    }
    return exits;
  }

  /** One microstep; true if it changed the configuration, the context or the status. */
  microstep(transitions: readonly CompiledTransition[], initial: boolean): boolean {
    if (transitions.length === 0) return false;
    // The states exited are gathered in one array kept for every microstep (microsteps do not nest:
    // actions only defer their effects; a new one serves if they ever did).
    if (exitsInUse) return this.microstepInto(transitions, initial, []);
    exitsInUse = true;
    try {
      return this.microstepInto(transitions, initial, exitsKept);
    } finally {
      exitsInUse = false;
      while (exitsKept.length > 0) exitsKept.pop();
    }
  }

  private microstepInto(
    transitions: readonly CompiledTransition[],
    initial: boolean,
    exitsInto: CompiledNode[],
  ): boolean {
    const run = this.run;
    const taken = transitions.length > 1 ? this.withoutConflicts(transitions) : transitions;
    const before = this.nodes.length;
    let configChanged = false;
    const assignedBefore = run.assigned;
    run.assigned = false;
    let exits: readonly CompiledNode[] = noNodes;
    if (!initial) {
      const set = this.exitSet(taken, exitsInto);
      exits = set.length > 1 ? sortDeepestFirst(set) : set;
    }
    // XState keeps the old node order when a microstep ends on the same set of nodes: copied only
    // then (every state exited is entered again, and every state entered was active).
    const entered = this.logic.entrySet(taken);
    const order =
      exits.length > 0 && endsOnSameNodes(exits, entered, this.nodes) ? this.nodes.slice() : undefined;
    const exitLater = this.logic.exitAfterEntry;
    for (const s of exits) {
      if (!exitLater) for (const op of s.exit) op(run);
      removeNode(this.unshare(), s);
      configChanged = true;
    }
    for (const t of taken) for (const op of t.actions) op(run);
    let completed: CompiledNode[] | undefined;
    let done = false;
    for (const s of entered) {
      if (!this.nodes.includes(s)) {
        this.unshare().push(s);
        configChanged = true;
      }
      for (const op of s.entry) op(run);
      if (s.type !== 'final') continue;
      const parent = s.parent;
      let marker = parent?.type === 'parallel' ? parent : parent?.parent;
      if (parent?.type === 'compound') run.queue.push(doneEvent(parent));
      while (
        marker?.type === 'parallel' &&
        !completed?.includes(marker) &&
        isInFinalState(this.nodes, marker)
      ) {
        completed ??= [];
        completed.push(marker);
        run.queue.push(doneEvent(marker));
        marker = marker.parent;
      }
      if (marker !== undefined) continue;
      this.status = 'done';
      done = true;
    }
    if (exitLater) for (const s of exits) for (const op of s.exit) op(run);
    if (done) {
      for (const s of [...this.nodes].sort((a, b) => b.order - a.order)) for (const op of s.exit) op(run);
    }
    // A re-entered state leaves the same set of nodes: XState keeps the snapshot then.
    if (configChanged && this.nodes.length === before && exits.every((s) => this.nodes.includes(s))) {
      configChanged = false;
      if (order !== undefined) this.unshare().splice(0, this.nodes.length, ...order);
    }
    const changed = configChanged || run.assigned || done;
    run.assigned = assignedBefore || run.assigned;
    if (changed) this.changed = true;
    return changed;
  }
}

/** Whether a microstep exiting `exits` and entering `entered` from `nodes` ends on the same set of nodes. */
function endsOnSameNodes(
  exits: readonly CompiledNode[],
  entered: readonly CompiledNode[],
  nodes: readonly CompiledNode[],
): boolean {
  for (const s of exits) if (!entered.includes(s)) return false;
  for (const s of entered) if (!nodes.includes(s)) return false;
  return true;
}

/** `nodes.sort((a, b) => b.order - a.order)` in place, without the work array sort allocates. */
function sortDeepestFirst(nodes: CompiledNode[]): CompiledNode[] {
  for (let i = 1; i < nodes.length; i++) {
    const n = nodes[i] as CompiledNode;
    let j = i - 1;
    while (j >= 0 && (nodes[j] as CompiledNode).order < n.order) {
      nodes[j + 1] = nodes[j] as CompiledNode;
      j--;
    }
    nodes[j + 1] = n;
  }
  return nodes;
}

/** `nodes.splice(nodes.indexOf(node), 1)`, without the array splice returns. */
function removeNode(nodes: CompiledNode[], node: CompiledNode): void {
  const at = nodes.indexOf(node);
  if (at < 0) {
    nodes.splice(at, 1);
    return;
  }
  for (let i = at + 1; i < nodes.length; i++) nodes[i - 1] = nodes[i] as CompiledNode;
  nodes.pop();
}

const none: readonly CompiledTransition[] = [];
const exitsKept: CompiledNode[] = [];
let exitsInUse = false;
const noNodes: readonly CompiledNode[] = [];

function doneEvent(node: CompiledNode): AnyEvent {
  return { type: `xstate.done.state.${node.id}`, output: undefined } as AnyEvent;
}

function isInFinalState(nodes: readonly CompiledNode[], node: CompiledNode): boolean {
  if (node.type === 'compound') return node.children.some((c) => c.type === 'final' && nodes.includes(c));
  if (node.type === 'parallel') return node.children.every((c) => isInFinalState(nodes, c));
  return node.type === 'final';
}

/** XState's getValueFromAdj: a compound's active child by key, a parallel's regions in `nodes` order. */
function stateValue(root: CompiledNode, nodes: readonly CompiledNode[]): StateValue {
  const adjacent = new Map<CompiledNode, CompiledNode[]>();
  for (const s of nodes) {
    if (!adjacent.has(s)) adjacent.set(s, []);
    if (s.parent !== undefined) {
      let siblings = adjacent.get(s.parent);
      if (siblings === undefined) {
        siblings = [];
        adjacent.set(s.parent, siblings);
      }
      siblings.push(s);
    }
  }
  const valueAt = (node: CompiledNode): StateValue => {
    const children = adjacent.get(node);
    if (children === undefined) return {};
    if (node.type === 'compound') {
      const child = children[0];
      if (child === undefined) return {};
      if (child.type === 'atomic' || child.type === 'final') return child.key;
    }
    const value: { [key: string]: StateValue } = {};
    for (const child of children) value[child.key] = valueAt(child);
    return value;
  };
  return valueAt(root);
}

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
  return new CompiledSnapshot(logic, persisted.status, persisted.context, [...set]);
}
