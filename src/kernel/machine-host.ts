// Hosts the XState actors of one service: one long-lived actor per entity (an order, a payment
// order, a gateway transaction), all sharing the world's clock. Machines stay pure: they `emit`
// effects (send a message, write a row) and this host carries them out through the world, where
// crash points, faults and the trace live. A crash drops every actor; `start` rebuilds them from
// the service's durable rows.

import { type Actor, type AnyStateMachine, createActor } from 'xstate';
import type { Envelope, Message, Row } from './trace.ts';
import type { Service, World } from './world.ts';

/** What a machine may ask its host to do. */
export type Effect =
  | { readonly type: 'send'; readonly to: string; readonly msg: Message }
  | {
      readonly type: 'write';
      readonly table: string;
      readonly key: string;
      readonly row: Row;
      /** A unique index: the actor gets `db.written`, or `db.conflict` if another row holds the value. */
      readonly uniqueBy?: string;
    };

export interface Route<Input> {
  readonly key: string;
  /** Input for a new actor when none exists for `key`; without it the message is unhandled. */
  readonly spawn?: Input;
}

/** An actor to (re)build at start: its key, its input, and its machine if not the host's main one. */
export type Restored<Input> = readonly [key: string, input: Input, machine?: AnyStateMachine];

export interface HostSpec<Input> {
  readonly address: string;
  readonly machine: AnyStateMachine;
  route(env: Envelope): Route<Input> | undefined;
  /** Actors to rebuild from durable rows, at the start and after each restart. */
  restore(world: World): Iterable<Restored<Input>>;
  /** Called for a message no actor takes (e.g. a query for an unknown order). */
  unhandled?(env: Envelope, world: World): void;
  /** Handles a message before any actor sees it (a fake's own faults); true means handled. */
  intercept?(env: Envelope, world: World): boolean;
}

export class MachineHost<Input> implements Service {
  readonly address: string;
  private actors = new Map<string, Actor<AnyStateMachine>>();
  private readonly clock = {
    setTimeout: (fn: (...args: unknown[]) => void, ms: number) => this.world.setTimer(this.address, ms, fn),
    clearTimeout: (id: unknown) => this.world.clearTimer(id as number),
  };

  constructor(
    private readonly world: World,
    private readonly spec: HostSpec<Input>,
  ) {
    this.address = spec.address;
  }

  start(): void {
    this.actors = new Map();
    for (const [key, input, machine] of this.spec.restore(this.world)) this.spawn(key, input, machine);
  }

  crash(): void {
    for (const actor of this.actors.values()) actor.stop();
    this.actors = new Map();
  }

  deliver(env: Envelope): void {
    if (this.spec.intercept?.(env, this.world)) return;
    const route = this.spec.route(env);
    let actor = route && this.actors.get(route.key);
    if (route !== undefined && actor === undefined && route.spawn !== undefined) {
      actor = this.spawn(route.key, route.spawn);
    }
    // An actor in a final state takes no more messages; the service answers as for an unknown one.
    if (actor === undefined || actor.getSnapshot().status !== 'active') {
      this.spec.unhandled?.(env, this.world);
      return;
    }
    // The sender's address travels with the event so that replies go back where they came from.
    actor.send({ ...env.msg, replyTo: env.from, atMs: this.world.nowMs });
  }

  private spawn(key: string, input: Input, machine = this.spec.machine): Actor<AnyStateMachine> {
    const actor = createActor(machine, { input, clock: this.clock });
    actor.on('*', (effect) => this.carryOut(actor, effect as Effect));
    this.actors.set(key, actor);
    actor.start();
    return actor;
  }

  private carryOut(actor: Actor<AnyStateMachine>, effect: Effect): void {
    if (!this.world.isUp(this.address)) return;
    if (effect.type === 'send') {
      this.world.send(this.address, effect.to, effect.msg);
      return;
    }
    const result = this.world.write(this.address, effect.table, effect.key, effect.row, effect.uniqueBy);
    if (effect.uniqueBy === undefined || result === 'crashed') return;
    actor.send({ type: result === 'ok' ? 'db.written' : 'db.conflict', table: effect.table });
  }
}

/** The effect of sending `msg` to the service at `to`. */
export function send<M extends Message>(to: string, msg: M): Effect {
  return { type: 'send', to, msg };
}
