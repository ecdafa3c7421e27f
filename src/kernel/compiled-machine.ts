// A flat transition table derived from an unchanged `setup(...).createMachine(...)` definition, for
// the compiled engine (compiled-actor.ts). XState has already normalised the definition (targets
// resolved, `after` turned into entry raises and exit cancels, document order numbered); this reads
// that normal form once and turns every guard and action into a closure, so that running an event
// costs lookups and calls instead of XState's per-step resolution.
//
// It supports exactly what paysim's machines use: state nodes (atomic, compound, parallel, final),
// named and inline guards with `and`/`or`/`not`, `assign`, `emit`, `raise` (delayed or not),
// `cancel`, `enqueueActions`, `always`, `after` (delays named, numeric or read from context),
// `reenter`. Anything else (invoke, history states, spawn, sendTo, onDone, custom action functions,
// wildcard events, output) is refused here, when the machine is compiled, with the state that uses it.

import { type AnyStateMachine, and, not, or, stateIn } from 'xstate';
import { ShapeCopier } from './copy.ts';

export interface AnyEvent {
  readonly type: string;
}

/** What the actions of one macrostep see and change; `compiled-actor.ts` owns the loop around it. */
export interface Run {
  context: Record<string, unknown>;
  event: AnyEvent;
  /** Events raised without a delay, taken before the next external event. */
  readonly queue: AnyEvent[];
  /** Effects carried out once the macrostep has settled, in order (as XState defers them). */
  readonly deferred: Deferred[];
  /** Whether the context was assigned (even to equal values): XState then builds a new snapshot. */
  assigned: boolean;
  /**
   * Whether `context` is a copy this macrostep made, seen by no snapshot yet: further assigns of the
   * macrostep write into it instead of copying it again.
   */
  owned: boolean;
  readonly self: unknown;
  /** Copies this machine's contexts (they keep one shape, or a few). */
  readonly contexts: ShapeCopier;
}

export type Deferred =
  | { readonly kind: 'emit'; readonly event: AnyEvent }
  | {
      readonly kind: 'schedule';
      readonly event: AnyEvent;
      readonly delay: number;
      readonly id: string | undefined;
    }
  | { readonly kind: 'cancel'; readonly id: string };

export type Guard = (context: Record<string, unknown>, event: AnyEvent) => boolean;
export type Op = (run: Run) => void;

export interface CompiledTransition {
  readonly index: number;
  readonly source: CompiledNode;
  readonly targets: readonly CompiledNode[] | undefined;
  readonly reenter: boolean;
  readonly guard: Guard | undefined;
  readonly actions: readonly Op[];
  /** XState's transition domain (no history states, so it never depends on the configuration). */
  readonly domain: CompiledNode | undefined;
  /** The states this transition enters alone, in document order (computed once, on first use). */
  entered?: readonly CompiledNode[];
  /** `[this]`, made once: what selecting this transition alone returns. */
  alone?: readonly CompiledTransition[];
}

export interface CompiledNode {
  readonly index: number;
  readonly id: string;
  readonly key: string;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final';
  readonly order: number;
  readonly parent: CompiledNode | undefined;
  readonly children: CompiledNode[];
  /** A compound node's initial child. */
  initial: CompiledNode | undefined;
  entry: readonly Op[];
  exit: readonly Op[];
  on: Map<string, readonly CompiledTransition[]>;
  always: readonly CompiledTransition[] | undefined;
}

/** Refused at compile time: the compiled engine does not implement this part of XState. */
export class UnsupportedMachineError extends Error {
  constructor(machineId: string, what: string) {
    super(
      `the compiled engine cannot run machine '${machineId}': ${what}. Run it with --engine xstate, or extend src/kernel/compiled-machine.ts`,
    );
    this.name = 'UnsupportedMachineError';
  }
}

// The built-in guards are told apart by their check functions, taken from XState itself.
const checkAnd = (and([]) as unknown as { check: unknown }).check;
const checkOr = (or([]) as unknown as { check: unknown }).check;
const checkNot = (not(() => true) as unknown as { check: unknown }).check;
const checkIn = (stateIn('x') as unknown as { check: unknown }).check;

/** The shape of XState's normalised state nodes, as far as this compiler reads it. */
interface XNode {
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly order: number;
  readonly parent?: XNode;
  readonly states: Record<string, XNode>;
  readonly entry: readonly unknown[];
  readonly exit: readonly unknown[];
  readonly transitions: Map<string, readonly XTransition[]>;
  readonly always?: readonly XTransition[];
  readonly initial: { readonly target: readonly XNode[]; readonly actions: readonly unknown[] };
  readonly invoke: readonly unknown[];
  readonly output?: unknown;
  readonly config: Record<string, unknown>;
}

interface XTransition {
  readonly target?: readonly XNode[];
  readonly reenter: boolean;
  readonly guard?: unknown;
  readonly actions: readonly unknown[];
}

type Implementations = {
  readonly guards: Record<string, unknown>;
  readonly actions: Record<string, unknown>;
  readonly delays: Record<string, unknown>;
};

type Builtin = { readonly type: string } & Record<string, unknown>;

export class CompiledMachine {
  readonly id: string;
  readonly root: CompiledNode;
  readonly nodes: CompiledNode[] = [];
  readonly transitions: CompiledTransition[] = [];
  /** The machine's `context`: an object, or a function of `{ input, spawn, self }`. */
  readonly context: unknown;
  /** The transition that enters the initial configuration (XState's initial microstep). */
  readonly initialTransition: CompiledTransition;
  /** Copies the contexts of this machine's actors (see Run.owned). */
  readonly contexts = new ShapeCopier();
  private readonly impl: Implementations;
  private readonly named = new Map<string, Op>();
  private readonly entrySets = new Map<string, readonly CompiledNode[]>();

  constructor(
    readonly machine: AnyStateMachine,
    /**
     * Test-only: run a microstep's exit actions after its entry actions instead of first, a wrong
     * action order that the differential test must catch.
     */
    readonly exitAfterEntry = false,
  ) {
    const root = machine.root as unknown as XNode;
    this.id = machine.id;
    this.impl = machine.implementations as unknown as Implementations;
    this.context = machine.config.context;
    const byX = new Map<XNode, CompiledNode>();
    this.root = this.node(root, undefined, byX);
    for (const [x, node] of byX) this.fill(x, node, byX);
    const initialTargets: CompiledNode[] = [];
    const collect = (n: CompiledNode) => {
      if (initialTargets.includes(n)) return;
      initialTargets.push(n);
      if (n.type === 'compound') collect(n.initial as CompiledNode);
      else if (n.type === 'parallel') for (const child of n.children) collect(child);
    };
    collect(this.root);
    this.initialTransition = this.transition(this.root, initialTargets, true, undefined, []);
  }

  /** The states a microstep taking `transitions` enters, in document order (XState's computeEntrySet). */
  entrySet(transitions: readonly CompiledTransition[]): readonly CompiledNode[] {
    if (transitions.length === 1) {
      const t = transitions[0] as CompiledTransition;
      t.entered ??= computeEntrySet(transitions);
      return t.entered;
    }
    const key = transitions.map((t) => t.index).join(',');
    let set = this.entrySets.get(key);
    if (set === undefined) {
      set = computeEntrySet(transitions);
      this.entrySets.set(key, set);
    }
    return set;
  }

  /** Compiles an action enqueued at run time (`enqueue(...)`), caching named ones. */
  dynamicAction(action: unknown): Op {
    if (typeof action === 'string') {
      let op = this.named.get(action);
      if (op === undefined) {
        op = this.action(action, `enqueued action '${action}'`);
        this.named.set(action, op);
      }
      return op;
    }
    return this.action(action, 'an enqueued action');
  }

  guard(guard: unknown, where: string): Guard {
    if (typeof guard === 'function') {
      const check = (guard as { check?: unknown }).check;
      if (check === undefined) {
        const inline = guard as (args: object, params: unknown) => boolean;
        return (context, event) => inline({ context, event }, undefined);
      }
      return this.builtinGuard(guard as never, where);
    }
    const name = typeof guard === 'string' ? guard : (guard as { type: string }).type;
    const resolved = this.impl.guards[name];
    if (resolved === undefined)
      throw new UnsupportedMachineError(this.id, `guard '${name}' in ${where} is not implemented`);
    if (typeof resolved !== 'function') return this.guard(resolved, where);
    if ((resolved as { check?: unknown }).check !== undefined)
      return this.builtinGuard(resolved as never, where);
    const fn = resolved as (args: object, params: unknown) => boolean;
    if (typeof guard === 'string' || !('params' in (guard as object)))
      return (context, event) => fn({ context, event }, undefined);
    const params = (guard as { params: unknown }).params;
    if (typeof params === 'function')
      return (context, event) => fn({ context, event }, params({ context, event }));
    return (context, event) => fn({ context, event }, params);
  }

  private builtinGuard(guard: { check: unknown; guards: readonly unknown[] }, where: string): Guard {
    const parts = guard.guards.map((g) => this.guard(g, where));
    if (guard.check === checkAnd) return (c, e) => parts.every((p) => p(c, e));
    if (guard.check === checkOr) return (c, e) => parts.some((p) => p(c, e));
    if (guard.check === checkNot) {
      const inner = parts[0] as Guard;
      return (c, e) => !inner(c, e);
    }
    const kind = guard.check === checkIn ? 'stateIn' : 'an unknown built-in';
    throw new UnsupportedMachineError(this.id, `${kind} guard in ${where}`);
  }

  private node(x: XNode, parent: CompiledNode | undefined, byX: Map<XNode, CompiledNode>): CompiledNode {
    const where = `state '#${x.id}'`;
    if (x.type === 'history') throw new UnsupportedMachineError(this.id, `history ${where}`);
    if (x.invoke.length > 0) throw new UnsupportedMachineError(this.id, `invoke in ${where}`);
    if (x.config.onDone !== undefined) throw new UnsupportedMachineError(this.id, `onDone in ${where}`);
    if (x.output !== undefined) throw new UnsupportedMachineError(this.id, `output in ${where}`);
    if (x.initial?.actions.length) throw new UnsupportedMachineError(this.id, `initial actions in ${where}`);
    const node: CompiledNode = {
      index: this.nodes.length,
      id: x.id,
      key: x.key,
      type: x.type as CompiledNode['type'],
      order: x.order,
      parent,
      children: [],
      initial: undefined,
      entry: [],
      exit: [],
      on: new Map(),
      always: undefined,
    };
    this.nodes.push(node);
    byX.set(x, node);
    for (const child of Object.values(x.states)) node.children.push(this.node(child, node, byX));
    return node;
  }

  private fill(x: XNode, node: CompiledNode, byX: Map<XNode, CompiledNode>): void {
    const where = `state '#${x.id}'`;
    if (node.type === 'compound') node.initial = byX.get(x.initial.target[0] as XNode);
    node.entry = x.entry.map((a) => this.action(a, `the entry of ${where}`));
    node.exit = x.exit.map((a) => this.action(a, `the exit of ${where}`));
    for (const [descriptor, list] of x.transitions) {
      if (descriptor === '*' || descriptor.endsWith('.*') || descriptor === 'xstate.route')
        throw new UnsupportedMachineError(this.id, `the wildcard or route event '${descriptor}' in ${where}`);
      node.on.set(
        descriptor,
        list.map((t) => this.xTransition(node, t, byX, `${where} on '${descriptor}'`)),
      );
    }
    if (x.always !== undefined)
      node.always = x.always.map((t) => this.xTransition(node, t, byX, `the always of ${where}`));
  }

  private xTransition(
    source: CompiledNode,
    t: XTransition,
    byX: Map<XNode, CompiledNode>,
    where: string,
  ): CompiledTransition {
    const targets = t.target?.map((x) => {
      const node = byX.get(x);
      if (node === undefined) throw new UnsupportedMachineError(this.id, `an unknown target in ${where}`);
      return node;
    });
    const guard = t.guard === undefined ? undefined : this.guard(t.guard, where);
    const actions = t.actions.map((a) => this.action(a, where));
    return this.transition(source, targets, t.reenter, guard, actions);
  }

  private transition(
    source: CompiledNode,
    targets: readonly CompiledNode[] | undefined,
    reenter: boolean,
    guard: Guard | undefined,
    actions: readonly Op[],
  ): CompiledTransition {
    const t: CompiledTransition = {
      index: this.transitions.length,
      source,
      targets,
      reenter,
      guard,
      actions,
      domain: transitionDomain(source, targets ?? [], reenter, this.root),
    };
    this.transitions.push(t);
    return t;
  }

  private action(action: unknown, where: string): Op {
    if (typeof action === 'function') {
      if (!('resolve' in action))
        throw new UnsupportedMachineError(
          this.id,
          `a custom action function in ${where} (use enqueueActions)`,
        );
      return this.builtin(action as unknown as Builtin, noParams, where);
    }
    const name = typeof action === 'string' ? action : (action as { type: string }).type;
    const impl = this.impl.actions[name];
    let params: (run: Run) => unknown = noParams;
    if (typeof action === 'object' && action !== null && 'params' in action) {
      const p = (action as { params: unknown }).params;
      params =
        typeof p === 'function'
          ? (run) => (p as (a: object) => unknown)({ context: run.context, event: run.event })
          : () => p;
    }
    // XState runs an action name with no implementation as nothing at all.
    if (impl === undefined) return () => {};
    if (typeof impl !== 'function' || !('resolve' in impl))
      throw new UnsupportedMachineError(this.id, `action '${name}' in ${where} is a custom action function`);
    return this.builtin(impl as unknown as Builtin, params, `action '${name}' in ${where}`);
  }

  private builtin(b: Builtin, params: (run: Run) => unknown, where: string): Op {
    switch (b.type) {
      case 'xstate.assign': {
        const assignment = b.assignment;
        return (run) => assignNow(run, assignment, params(run));
      }
      case 'xstate.emit': {
        const event = b.event;
        return (run) => emitNow(run, event, params(run));
      }
      case 'xstate.raise': {
        const { event, delay, id } = b;
        return (run) => raiseNow(run, event, delay, id as string | undefined, params(run), this.impl.delays);
      }
      case 'xstate.cancel': {
        const sendId = b.sendId;
        return (run) => cancelNow(run, sendId, params(run));
      }
      case 'xstate.enqueueActions': {
        const collect = b.collect as (a: object, p: unknown) => void;
        return (run) => this.enqueueing(run, collect, params(run), where);
      }
      default:
        throw new UnsupportedMachineError(this.id, `the built-in action ${b.type} in ${where}`);
    }
  }

  /**
   * Runs an `enqueueActions` body, then what it enqueued, in order. One `enqueue` serves every call,
   * and one frame per nesting depth is kept and reused: creating them per call is what made
   * enqueueing cost. A frame stays in use until what it queued has run (that may enqueue again, deeper).
   */
  private enqueueing(
    run: Run,
    collect: (a: object, p: unknown) => void,
    params: unknown,
    where: string,
  ): void {
    let frame = this.frames[this.depth];
    if (frame === undefined) {
      frame = { queued: [], run, where };
      this.frames.push(frame);
    } else {
      frame.run = run;
      frame.where = where;
    }
    this.depth++;
    const queued = frame.queued;
    try {
      collect(
        {
          context: run.context,
          event: run.event,
          enqueue: this.enqueue,
          check: this.check,
          self: run.self,
          system: undefined,
        },
        params,
      );
      for (const q of queued) {
        switch (q.kind) {
          case 'action':
            q.op(run);
            break;
          case 'assign':
            assignNow(run, q.value, undefined);
            break;
          case 'emit':
            emitNow(run, q.value, undefined);
            break;
          case 'raise':
            raiseNow(run, q.value, q.delay, q.id, undefined, this.impl.delays);
            break;
          case 'cancel':
            cancelNow(run, q.value, undefined);
            break;
        }
      }
    } finally {
      while (queued.length > 0) queued.pop();
      this.depth--;
    }
  }

  private readonly frames: Array<{ queued: Queued[]; run: Run; where: string }> = [];
  private depth = 0;
  private top(): { queued: Queued[]; run: Run; where: string } {
    const top = this.frames[this.depth - 1];
    if (top === undefined) throw new Error('enqueue called outside enqueueActions');
    return top;
  }
  private readonly check = (guard: unknown): boolean => {
    const { run, where } = this.top();
    return this.guard(guard, where)(run.context, run.event);
  };
  private readonly enqueue = Object.assign(
    (action: unknown) => {
      this.top().queued.push({ kind: 'action', op: this.dynamicAction(action) });
    },
    {
      assign: (value: unknown) => {
        this.top().queued.push({ kind: 'assign', value });
      },
      emit: (value: unknown) => {
        this.top().queued.push({ kind: 'emit', value });
      },
      raise: (value: unknown, options?: { id?: string; delay?: unknown }) => {
        this.top().queued.push({ kind: 'raise', value, id: options?.id, delay: options?.delay });
      },
      cancel: (value: unknown) => {
        this.top().queued.push({ kind: 'cancel', value });
      },
      sendTo: () => refuse(this.id, 'sendTo', this.top().where),
      sendParent: () => refuse(this.id, 'sendParent', this.top().where),
      spawnChild: () => refuse(this.id, 'spawnChild', this.top().where),
      stopChild: () => refuse(this.id, 'stopChild', this.top().where),
    },
  );
}

type Queued =
  | { readonly kind: 'action'; readonly op: Op }
  | { readonly kind: 'assign' | 'emit' | 'cancel'; readonly value: unknown }
  | { readonly kind: 'raise'; readonly value: unknown; readonly id?: string; readonly delay?: unknown };

type Expr<T> = (args: object, params: unknown) => T;

function actionArgs(run: Run) {
  return { context: run.context, event: run.event, self: run.self, system: undefined };
}

function assignNow(run: Run, assignment: unknown, params: unknown): void {
  const args = {
    context: run.context,
    event: run.event,
    self: run.self,
    system: undefined,
    spawn: refuseSpawn,
  };
  // What Object.assign({}, context, partial) gives (same keys, same order). The context is copied
  // once per macrostep, by its first assign: the snapshot it started from keeps its own, and the
  // copy is written in place by the assigns after (every value is computed first, from the context
  // as it was before that assign, as XState's assigners see it).
  if (typeof assignment === 'function') {
    const partial = (assignment as Expr<object>)(args, params);
    const next = run.owned ? run.context : run.contexts.copy(run.context);
    for (const key in partial) next[key] = (partial as Record<string, unknown>)[key];
    run.context = next;
  } else {
    const byKey = assignment as Record<string, unknown>;
    const keys = Object.keys(byKey);
    if (!run.owned) {
      const next = run.contexts.copy(run.context);
      for (const key of keys) {
        const v = byKey[key];
        next[key] = typeof v === 'function' ? (v as Expr<unknown>)(args, params) : v;
      }
      run.context = next;
    } else {
      const values: unknown[] = [];
      for (const key of keys) {
        const v = byKey[key];
        values.push(typeof v === 'function' ? (v as Expr<unknown>)(args, params) : v);
      }
      const context = run.context;
      for (let i = 0; i < keys.length; i++) context[keys[i] as string] = values[i];
    }
  }
  run.owned = true;
  run.assigned = true;
}

function emitNow(run: Run, event: unknown, params: unknown): void {
  const resolved = typeof event === 'function' ? (event as Expr<AnyEvent>)(actionArgs(run), params) : event;
  run.deferred.push({ kind: 'emit', event: resolved as AnyEvent });
}

function raiseNow(
  run: Run,
  event: unknown,
  delay: unknown,
  id: string | undefined,
  params: unknown,
  delays: Record<string, unknown>,
): void {
  if (typeof event === 'string')
    throw new Error(`Only event objects may be used with raise; use raise({ type: "${event}" }) instead`);
  const resolved = (
    typeof event === 'function' ? (event as Expr<AnyEvent>)(actionArgs(run), params) : event
  ) as AnyEvent;
  let ms: unknown;
  if (typeof delay === 'string') {
    const configured = delays[delay];
    ms =
      typeof configured === 'function' ? (configured as Expr<unknown>)(actionArgs(run), params) : configured;
  } else ms = typeof delay === 'function' ? (delay as Expr<unknown>)(actionArgs(run), params) : delay;
  // A delay that is not a number raises the event at once, as in XState.
  if (typeof ms !== 'number') run.queue.push(resolved);
  else run.deferred.push({ kind: 'schedule', event: resolved, delay: ms, id });
}

function cancelNow(run: Run, sendId: unknown, params: unknown): void {
  const id = typeof sendId === 'function' ? (sendId as Expr<string>)(actionArgs(run), params) : sendId;
  run.deferred.push({ kind: 'cancel', id: id as string });
}

const noParams = () => undefined;

function refuseSpawn(): never {
  throw new Error('the compiled engine does not spawn actors');
}

function refuse(machineId: string, what: string, where: string): never {
  throw new UnsupportedMachineError(machineId, `${what} enqueued in ${where}`);
}

/** Whether `node` lies strictly inside `ancestor`; everything lies inside `undefined` (as in XState). */
export function isDescendant(node: CompiledNode, ancestor: CompiledNode | undefined): boolean {
  let marker = node;
  while (marker.parent !== undefined && marker.parent !== ancestor) marker = marker.parent;
  return marker.parent === ancestor;
}

function properAncestors(node: CompiledNode, upTo: CompiledNode | undefined): CompiledNode[] {
  const ancestors: CompiledNode[] = [];
  if (upTo === node) return ancestors;
  let m = node.parent;
  while (m !== undefined && m !== upTo) {
    ancestors.push(m);
    m = m.parent;
  }
  return ancestors;
}

function transitionDomain(
  source: CompiledNode,
  targets: readonly CompiledNode[],
  reenter: boolean,
  root: CompiledNode,
): CompiledNode | undefined {
  if (!reenter && targets.every((t) => t === source || isDescendant(t, source))) return source;
  const [head, ...tail] = [...targets, source] as unknown as [CompiledNode, ...CompiledNode[]];
  for (const ancestor of properAncestors(head, undefined)) {
    if (tail.every((n) => isDescendant(n, ancestor))) return ancestor;
  }
  return reenter ? undefined : root;
}

/** XState's computeEntrySet without history states: static for a given set of transitions. */
function computeEntrySet(transitions: readonly CompiledTransition[]): CompiledNode[] {
  const enter = new Set<CompiledNode>();
  const addDescendants = (node: CompiledNode): void => {
    if (node.type === 'compound') {
      const initial = node.initial as CompiledNode;
      enter.add(initial);
      addDescendants(initial);
    } else if (node.type === 'parallel') {
      for (const child of node.children) {
        if (![...enter].some((s) => isDescendant(s, child))) {
          enter.add(child);
          addDescendants(child);
        }
      }
    }
  };
  for (const t of transitions) {
    const domain = t.domain;
    for (const s of t.targets ?? []) {
      if (t.source !== s || t.source !== domain || t.reenter) enter.add(s);
      addDescendants(s);
    }
    for (const s of t.targets ?? []) {
      const ancestors = properAncestors(s, domain);
      if (domain?.type === 'parallel') ancestors.push(domain);
      const reentrancyDomain = t.source.parent === undefined && t.reenter ? undefined : domain;
      for (const anc of ancestors) {
        if (reentrancyDomain === undefined || isDescendant(anc, reentrancyDomain)) enter.add(anc);
        if (anc.type === 'parallel') {
          for (const child of anc.children) {
            if (![...enter].some((n) => isDescendant(n, child))) {
              enter.add(child);
              addDescendants(child);
            }
          }
        }
      }
    }
  }
  return [...enter].sort((a, b) => a.order - b.order);
}

const compiled = new WeakMap<AnyStateMachine, CompiledMachine>();

/** The compiled table of `machine`, built once per machine object. */
export function compileMachine(machine: AnyStateMachine): CompiledMachine {
  let table = compiled.get(machine);
  if (table === undefined) {
    table = new CompiledMachine(machine);
    compiled.set(machine, table);
  }
  return table;
}
