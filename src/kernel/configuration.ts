// The configurations of a compiled machine (its sets of active state nodes), each made once and
// shared by every actor of that machine, with what XState's algorithms compute from it worked out
// on first use and kept: which transitions an event type may select, which eventless transitions
// may be enabled, and, per set of transitions taken, the microstep's plan (the states exited and
// entered, the done events, the configuration it ends on). Only guards and actions are left to run
// per event. Nothing here runs an action: actions never see the configuration (`stateIn` is refused
// at compile time), so the plan of a microstep depends on the configuration and transitions alone.

import {
  type AnyEvent,
  type CompiledMachine,
  type CompiledNode,
  type CompiledTransition,
  isDescendant,
} from './compiled-machine.ts';

export type StateValue = string | { [key: string]: StateValue };

/**
 * Which transitions an event type may select, mirroring XState's selection: `own` are a state's
 * own candidates (in order, the first whose guard passes wins), taken only if nothing below it is;
 * `below` are the active children that have candidates for it (one for a compound state, the
 * regions in configuration order for a parallel one).
 */
export interface Selector {
  readonly own: readonly CompiledTransition[] | undefined;
  readonly parallel: boolean;
  readonly below: readonly Selector[];
}

/** What a microstep does, apart from running actions. */
export interface Plan {
  /** The transitions taken, after XState's removal of conflicting ones. */
  readonly taken: readonly CompiledTransition[];
  /** States exited, deepest first. */
  readonly exits: readonly CompiledNode[];
  /** States entered, in document order, each with the states whose done event its entry raises. */
  readonly entries: readonly { readonly node: CompiledNode; readonly done: readonly CompiledNode[] }[];
  /** Whether the machine reaches a top-level final state: its status becomes done. */
  readonly done: boolean;
  /** When `done`: every active state, deepest first, whose exit actions then run. */
  readonly doneExits: readonly CompiledNode[];
  readonly configurationChanged: boolean;
  readonly next: Configuration;
}

export class Configuration {
  private computedValue: StateValue | undefined;
  private readonly selectors = new Map<string, Selector | null>();
  private readonly plans = new Map<CompiledTransition, Plan>();
  private readonly multiPlans = new Map<string, Plan>();
  private readonly initialPlans = new Map<CompiledTransition, Plan>();
  /** Per active atomic or final state, the `always` lists from it up to the root; null if none. */
  private alwaysChains: ReadonlyArray<ReadonlyArray<readonly CompiledTransition[]>> | null | undefined;

  constructor(
    readonly machine: CompiledMachine,
    /** The active state nodes, in XState's `_nodes` order (which orders the regions of a value). */
    readonly nodes: readonly CompiledNode[],
  ) {}

  /** The state value, shared by every snapshot in this configuration (nobody writes into it). */
  get value(): StateValue {
    this.computedValue ??= stateValue(this.machine.root, this.nodes);
    return this.computedValue;
  }

  /** What `type` may select here; null when no active state takes it. */
  selector(type: string): Selector | null {
    let selector = this.selectors.get(type);
    if (selector === undefined) {
      selector = this.selectorAt(this.machine.root, type);
      this.selectors.set(type, selector);
    }
    return selector;
  }

  private selectorAt(node: CompiledNode, type: string): Selector | null {
    const below: Selector[] = [];
    if (node.type === 'compound' || node.type === 'parallel') {
      for (const child of this.nodes) {
        if (child.parent !== node) continue;
        const s = this.selectorAt(child, type);
        if (s !== null) below.push(s);
        if (node.type === 'compound') break;
      }
    }
    const own = node.on.get(type);
    if (own === undefined && below.length === 0) return null;
    return { own, parallel: node.type === 'parallel', below };
  }

  /** The `always` lists of each active atomic state and its ancestors; null when there are none. */
  eventlessChains(): ReadonlyArray<ReadonlyArray<readonly CompiledTransition[]>> | null {
    if (this.alwaysChains === undefined) {
      const chains: Array<Array<readonly CompiledTransition[]>> = [];
      for (const atomic of this.nodes) {
        if (atomic.type !== 'atomic' && atomic.type !== 'final') continue;
        const chain: Array<readonly CompiledTransition[]> = [];
        for (let s: CompiledNode | undefined = atomic; s !== undefined; s = s.parent)
          if (s.always !== undefined) chain.push(s.always);
        if (chain.length > 0) chains.push(chain);
      }
      this.alwaysChains = chains.length > 0 ? chains : null;
    }
    return this.alwaysChains;
  }

  /** The plan of a microstep taking `transitions` from here (`initial`: the machine's first one). */
  plan(transitions: readonly CompiledTransition[], initial: boolean): Plan {
    if (transitions.length === 1) {
      const t = transitions[0] as CompiledTransition;
      const plans = initial ? this.initialPlans : this.plans;
      let plan = plans.get(t);
      if (plan === undefined) {
        plan = this.computePlan(transitions, initial);
        plans.set(t, plan);
      }
      return plan;
    }
    const key = `${initial ? 'i' : ''}${transitions.map((t) => t.index).join(',')}`;
    let plan = this.multiPlans.get(key);
    if (plan === undefined) {
      plan = this.computePlan(transitions, initial);
      this.multiPlans.set(key, plan);
    }
    return plan;
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

  private exitSet(transitions: readonly CompiledTransition[]): CompiledNode[] {
    const exits: CompiledNode[] = [];
    for (const t of transitions) {
      if (t.targets === undefined || t.targets.length === 0) continue;
      const domain = t.domain;
      if (t.reenter && t.source === domain && !exits.includes(domain)) exits.push(domain);
      for (const s of this.nodes) if (isDescendant(s, domain) && !exits.includes(s)) exits.push(s);
    }
    return exits;
  }

  /** XState's microstep over the configuration, without the actions: what `plan` keeps. */
  private computePlan(transitions: readonly CompiledTransition[], initial: boolean): Plan {
    const taken = transitions.length > 1 ? this.withoutConflicts(transitions) : transitions;
    const nodes = this.nodes.slice();
    const before = nodes.length;
    let configurationChanged = false;
    const exits = initial ? [] : this.exitSet(taken).sort((a, b) => b.order - a.order);
    const entered = this.machine.entrySet(taken);
    // XState keeps the old node order when a microstep ends on the same set of nodes (every state
    // exited is entered again, and every state entered was active).
    const order = exits.length > 0 && endsOnSameNodes(exits, entered, nodes) ? nodes.slice() : undefined;
    for (const s of exits) {
      removeNode(nodes, s);
      configurationChanged = true;
    }
    const entries: Array<{ node: CompiledNode; done: CompiledNode[] }> = [];
    let completed: CompiledNode[] | undefined;
    let done = false;
    for (const s of entered) {
      if (!nodes.includes(s)) {
        nodes.push(s);
        configurationChanged = true;
      }
      const entry = { node: s, done: [] as CompiledNode[] };
      entries.push(entry);
      if (s.type !== 'final') continue;
      const parent = s.parent;
      let marker = parent?.type === 'parallel' ? parent : parent?.parent;
      if (parent?.type === 'compound') entry.done.push(parent);
      while (marker?.type === 'parallel' && !completed?.includes(marker) && isInFinalState(nodes, marker)) {
        completed ??= [];
        completed.push(marker);
        entry.done.push(marker);
        marker = marker.parent;
      }
      if (marker !== undefined) continue;
      done = true;
    }
    const doneExits = done ? [...nodes].sort((a, b) => b.order - a.order) : [];
    // A re-entered state leaves the same set of nodes: XState keeps the snapshot then.
    let next = nodes;
    if (configurationChanged && nodes.length === before && exits.every((s) => nodes.includes(s))) {
      configurationChanged = false;
      if (order !== undefined) next = order;
    }
    return {
      taken,
      exits,
      entries,
      done,
      doneExits,
      configurationChanged,
      next: configurationOf(this.machine, next),
    };
  }
}

const interned = new WeakMap<CompiledMachine, Map<string, Configuration>>();

/** The one Configuration of `machine` with these nodes in this order. */
export function configurationOf(machine: CompiledMachine, nodes: readonly CompiledNode[]): Configuration {
  let byKey = interned.get(machine);
  if (byKey === undefined) {
    byKey = new Map();
    interned.set(machine, byKey);
  }
  const key = nodes.map((n) => n.index).join(',');
  let configuration = byKey.get(key);
  if (configuration === undefined) {
    configuration = new Configuration(machine, nodes.slice());
    byKey.set(key, configuration);
  }
  return configuration;
}

const roots = new WeakMap<CompiledMachine, Configuration>();

/** The configuration every actor of `machine` starts from: its root alone. */
export function rootConfiguration(machine: CompiledMachine): Configuration {
  let root = roots.get(machine);
  if (root === undefined) {
    root = configurationOf(machine, [machine.root]);
    roots.set(machine, root);
  }
  return root;
}

export function doneEvent(node: CompiledNode): AnyEvent {
  return { type: `xstate.done.state.${node.id}`, output: undefined } as AnyEvent;
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

/** `nodes.splice(nodes.indexOf(node), 1)`, as XState does (a node not found removes the last). */
function removeNode(nodes: CompiledNode[], node: CompiledNode): void {
  nodes.splice(nodes.indexOf(node), 1);
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
