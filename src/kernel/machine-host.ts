// Hosts the XState actors of one service: one actor per entity (an order, a payment order, a
// gateway transaction), all sharing the world's clock. Machines stay pure: they `emit` effects
// (send a message, write a row) and this host carries them out through the world, where crash
// points, faults and the trace live.
//
// An entity's actor stands for its database row plus the timers some replica holds for it. A
// service that handles messages concurrently (`concurrency`) reads the row when a message arrives
// or a timer fires, and decides and writes one await later, in a world step. If another handler wrote the row in
// between, the write guard decides what happens, as in SQL:
//   plain        UPDATE … SET: the decision made on the stale read is written over the newer row;
//   conditional  UPDATE … WHERE status = <status read>: matches no row if the status moved, and
//                the handler re-reads and decides again; a change to other columns is overwritten;
//   version      UPDATE … WHERE version = <version read>: any change makes it re-read;
//   lock         SELECT … FOR UPDATE: the second handler waits for the first, then reads its row.
// A crash of a replica drops the actors whose timers it held; they are rebuilt from their rows by
// the next handler that needs them or when the replica restarts.

import type { AnyStateMachine } from 'xstate';
import type { ActorClock } from './compiled-actor.ts';
import { ShapeCopier } from './copy.ts';
import { Holdings, LazySet } from './holdings.ts';
import {
  createMachineActor,
  defaultEngine,
  type HostedActor,
  type HostedSnapshot,
  lastScheduledEvent,
  type MachineEngine,
  persistedSnapshot,
} from './machine-engine.ts';
import { formatTime } from './time-format.ts';
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
      /** This write also records a fulfilment (shipping), in the same transaction. */
      readonly fulfils?: boolean;
    }
  /** Why the entity did what it did, for the story, where nothing else in it would say. */
  | { readonly type: 'note'; readonly text: string };

export type WriteGuard = 'plain' | 'conditional' | 'version' | 'lock';
export const writeGuards: readonly WriteGuard[] = ['plain', 'conditional', 'version', 'lock'];

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
  /** Writes a fake's own choices into a message before its actor sees it (how a refund will end). */
  decide?(env: Envelope, world: World): Envelope;
  /** Handlers read, await, then decide and write; without this each message is handled atomically. */
  readonly concurrency?: { readonly guard: WriteGuard };
  /**
   * Messages to `to` are requests, as over HTTP: each gets a request id, and a reply (carrying that
   * id) that comes after `timeoutMs` is dropped, because the caller has stopped waiting for it.
   */
  readonly requests?: { readonly to: string; readonly timeoutMs: number };
  /** Rewrites an answer to a request on its way out (a fake's fault: executed, but answered an error). */
  answer?(msg: Message): Message;
  /** What a write tells the checkers (the service's projection of its rows); recorded with it. */
  project?(table: string, key: string, row: Row): object | undefined;
}

interface Entity {
  readonly key: string;
  readonly actor: HostedActor;
  readonly machine: AnyStateMachine;
}

interface Read {
  readonly entity: Entity;
  readonly snapshot: HostedSnapshot;
  readonly version: number;
  readonly atMs: number;
}

export class MachineHost<Input> implements Service {
  readonly address: string;
  private entities = new Map<string, Entity>();
  /** Committed writes per entity: the row version a handler compares with what it read. */
  private readonly versions = new Map<string, number>();
  /** Which entity and replica each live timer belongs to, so a replica's crash drops the right actors. */
  private readonly timerOwners = new Holdings();
  /** The entity whose actor is running now: timers it sets are its timers. */
  private currentKey = '';
  private currentActor: HostedActor | undefined;
  /** The request being answered now: replies to its sender carry its id, as an HTTP response does. */
  private answering:
    | { readonly to: string; readonly requestId: number; readonly replica?: number }
    | undefined;
  /** Requests this service sent, by id: until when the caller waits for the reply. */
  private waiting: Map<number, number> | undefined;
  private nextRequestId = 1;
  /** Entities whose transition a crash cut short: their memory is ahead of their row. */
  private readonly cutShort = new LazySet<string>();
  /**
   * Entities whose handler failed after a commit it could not confirm (`db.timeout`): the rest of
   * the handler is not done, and the entity is read again from its row, as after an error response.
   */
  private readonly failed = new LazySet<string>();
  /** Handlers between their read and their write, by world step: a crash loses them (and a fired timer with them). */
  private readonly inFlight = new Holdings();
  private readonly clock: ActorClock = new HostClock(this);

  /** Which interpreter runs the machines: the world's choice (the compiled engine by default). */
  private readonly engine: MachineEngine;

  constructor(
    private readonly world: World,
    private readonly spec: HostSpec<Input>,
  ) {
    this.address = spec.address;
    this.engine = world.options.engine ?? defaultEngine;
  }

  /** The clock's setTimeout: a timer of the entity whose actor is running now. */
  setTimer(fn: () => void, ms: number): number {
    const key = this.currentKey;
    const actor = this.currentActor;
    // XState has just recorded the delayed event it wants delivered: a stale decision needs it
    // (only where handlers interleave; reading it copies the scheduler's table).
    const event = actor && this.spec.concurrency ? lastScheduledEvent(actor) : undefined;
    const id = this.world.setTimer(this.address, ms, () => {
      this.timerOwners.delete(id);
      this.fireTimer(key, actor, event as Message | undefined, fn);
    });
    this.timerOwners.add(id, key, this.world.replicaOf(this.address));
    return id;
  }

  clearTimer(id: unknown): void {
    this.timerOwners.delete(id as number);
    this.world.clearTimer(id as number);
  }

  /** Rebuilds every entity no replica holds in memory, from its row. */
  start(): void {
    for (const [key, input, machine] of this.spec.restore(this.world)) {
      if (!this.entities.has(key)) this.spawn(key, input, machine);
    }
  }

  crash(replica: number): void {
    // With no replica left, every actor's memory is gone; otherwise only what the dead one held.
    const dropped = new Set<string>(this.cutShort.values());
    this.cutShort.clear();
    if (!this.world.anyUp(this.address)) for (const key of this.entities.keys()) dropped.add(key);
    for (const key of this.timerOwners.keysOf(replica)) dropped.add(key);
    for (const key of this.inFlight.keysOf(replica)) dropped.add(key);
    this.inFlight.dropReplica(replica);
    for (const key of dropped) {
      const entity = this.entities.get(key);
      this.entities.delete(key);
      entity?.actor.stop();
    }
  }

  deliver(received: Envelope): void {
    if (this.spec.intercept?.(received, this.world)) return;
    const env = this.spec.decide?.(received, this.world) ?? received;
    if (this.timedOut(env)) return;
    const route = this.spec.route(env);
    const entity = route && this.entityFor(route);
    if (route === undefined || entity === undefined || !active(entity)) {
      this.spec.unhandled?.(env, this.world);
      return;
    }
    const event = this.eventOf(env);
    // A request id on a message from the service this one sends requests to marks a reply, not a request.
    const requestId =
      env.from === this.spec.requests?.to ? undefined : (env.msg as { requestId?: number }).requestId;
    if (this.spec.concurrency === undefined) this.sendToLive(entity.key, event, env, requestId);
    else
      this.readThenCommit(entity, event, env.msg.type, () =>
        this.sendToLive(entity.key, event, env, requestId),
      );
  }

  /** Hands `event` to the live actor for `key` (rebuilt if its replica died), answering `env`'s sender. */
  private sendToLive(key: string, event: Message, env: Envelope, requestId: number | undefined): void {
    const live = this.entities.get(key) ?? this.rebuild(key);
    if (live === undefined || !active(live)) return;
    this.answering =
      requestId === undefined ? undefined : { to: env.from, requestId, replica: env.fromReplica };
    try {
      this.within(key, () => live.actor.send(event), live.actor);
    } finally {
      this.answering = undefined;
    }
  }

  /** A timer of a concurrent service is a handler too: it reads the row, then acts one await later. */
  private fireTimer(
    key: string,
    actor: HostedActor | undefined,
    event: Message | undefined,
    fire: () => void,
  ): void {
    const entity = this.entities.get(key);
    if (
      this.spec.concurrency === undefined ||
      event === undefined ||
      entity === undefined ||
      entity.actor !== actor
    )
      this.relay(key, actor, fire);
    else this.readThenCommit(entity, event, timerName(event), () => this.relay(key, actor, fire));
  }

  // A timer of an actor stopped since (its replica died, or a stale decision replaced it) is void.
  // A timer of an actor that has reached its final state since (read, then stopped) is void too.
  private relay(key: string, actor: HostedActor | undefined, fire: () => void): void {
    if (actor === undefined) this.within(key, fire, actor);
    else if (this.entities.get(key)?.actor === actor && actor.getSnapshot().status === 'active')
      this.within(key, fire, actor);
  }

  private readThenCommit(entity: Entity, event: Message, what: string, decideFresh: () => void): void {
    const read: Read = {
      entity,
      snapshot: entity.actor.getSnapshot(),
      version: this.versions.get(entity.key) ?? 0,
      atMs: this.world.nowMs,
    };
    let step = -1;
    step = this.world.await(
      this.address,
      () => {
        this.inFlight.delete(step);
        this.commit(read, event, what, decideFresh);
      },
      entity.key,
      what,
    );
    if (step >= 0) this.inFlight.add(step, entity.key, this.world.replicaOf(this.address));
  }

  /**
   * The second step of a handler: decide on what it read, and write as the guard allows.
   * `decideFresh` hands the event to the live actor, which decides on the row as it is now.
   */
  private commit(read: Read, event: Message, what: string, decideFresh: () => void): void {
    const key = read.entity.key;
    const now = this.entities.get(key) ?? this.rebuild(key);
    if (now === undefined) return;
    // Only a committed write makes a read stale; a rebuilt actor stands for the same row.
    const changed = (this.versions.get(key) ?? 0) !== read.version;
    if (!changed) {
      decideFresh();
      return;
    }
    const guard = (this.spec.concurrency as { guard: WriteGuard }).guard;
    const statusThen = statusOf(read.snapshot);
    const statusNow = statusOf(now.actor.getSnapshot());
    // A handler that found no row inserts one; the primary key refuses the second insert whatever the guard.
    const inserts = read.version === 0;
    const decidesOnStaleRead =
      !inserts && (guard === 'plain' || (guard === 'conditional' && statusThen === statusNow));
    if (!decidesOnStaleRead) {
      // The guarded write matched no row (or the lock made it wait): read again, decide again.
      this.world.note(
        this.address,
        `re-reads ${key} for ${what}: another handler wrote it since its read (${inserts ? 'its INSERT hit the primary key' : rereadStory(guard, statusThen)}), and decides again on ${statusNow}`,
        key,
      );
      decideFresh();
      return;
    }
    const unchecked =
      guard === 'plain'
        ? 'a plain UPDATE does not check'
        : `its UPDATE … WHERE status = '${statusNow}' still matches`;
    this.decideOnStaleRead(
      read,
      event,
      what,
      `${statusThen}; another handler has written ${statusNow} since, and ${unchecked}`,
      decideFresh,
    );
  }

  /**
   * The check-then-act race: the handler decides on the row as it read it. If that decision writes,
   * its row replaces the newer one (and its actor replaces the live one), and its messages go out.
   * A stale decision that writes nothing changes nothing anyone could tell from a later read: the
   * handler is taken as having read the newer row, and the live actor decides (`decideFresh`).
   */
  private decideOnStaleRead(
    read: Read,
    event: Message,
    what: string,
    why: string,
    decideFresh: () => void,
  ): void {
    const key = read.entity.key;
    const machine = read.entity.machine;
    const clone = createMachineActor(this.engine, machine, {
      snapshot: persistedSnapshot(read.entity.actor, read.snapshot),
      clock: this.clock,
    });
    // Decided first, carried out after: whether the decision writes settles which one stands.
    const decided: Effect[] = [];
    let buffering = true;
    clone.on('*', (effect) => {
      if (buffering) decided.push(effect as Effect);
      else this.carryOut(key, clone, effect as Effect);
    });
    this.within(
      key,
      () => {
        clone.start();
        clone.send(event);
      },
      clone,
      false,
    );
    buffering = false;
    if (!decided.some((effect) => effect.type === 'write')) {
      clone.stop();
      decideFresh();
      return;
    }
    this.world.note(
      this.address,
      `handles ${what} for ${key} on the row it read at ${formatTime(read.atMs)}: ${why}`,
      key,
    );
    this.within(
      key,
      () => {
        for (const effect of decided) this.carryOut(key, clone, effect);
      },
      clone,
      false,
    );
    const live = this.entities.get(key);
    this.entities.set(key, { key, actor: clone, machine });
    live?.actor.stop();
    if (this.failed.size > 0) this.reloadFailed();
  }

  /** A reply to a request whose caller stopped waiting: recorded and dropped. */
  private timedOut(env: Envelope): boolean {
    const requestId = (env.msg as { requestId?: number }).requestId;
    if (requestId === undefined || this.spec.requests?.to !== env.from) return false;
    const deadline = this.waiting?.get(requestId);
    this.waiting?.delete(requestId);
    if (deadline !== undefined && this.world.nowMs <= deadline) return false;
    this.world.note(
      this.address,
      `drops ${env.msg.type}: it came after the request timed out`,
      (env.msg as { outTradeNo?: string }).outTradeNo,
    );
    return true;
  }

  /** The actor for a route: the live one, a new one, or one rebuilt from its row. */
  private entityFor(route: Route<Input>): Entity | undefined {
    const live = this.entities.get(route.key);
    if (live !== undefined) return live;
    if (route.spawn !== undefined) return this.spawn(route.key, route.spawn);
    return this.rebuild(route.key);
  }

  /** Rebuilds one entity from its row after the replica that held it died, as its recovery would. */
  private rebuild(key: string): Entity | undefined {
    for (const [restoredKey, input, machine] of this.spec.restore(this.world)) {
      if (restoredKey !== key) continue;
      let entity: Entity | undefined;
      this.world.uncaused(() => {
        entity = this.spawn(key, input, machine);
      });
      return entity;
    }
    return undefined;
  }

  private eventOf(env: Envelope): Message {
    // The sender's address travels with the event so that replies go back where they came from.
    // `atMs` is the time on this service's own clock, which may be off (`clock.skew`).
    return copierOf(eventCopiers, env.msg.type, eventFields).copy(
      env.msg,
      env.from,
      this.world.clockOf(this.address),
    );
  }

  private within(key: string, run: () => void, actor?: HostedActor, reload = true): void {
    const previousKey = this.currentKey;
    const previousActor = this.currentActor;
    this.currentKey = key;
    this.currentActor = actor;
    try {
      run();
    } finally {
      this.currentKey = previousKey;
      this.currentActor = previousActor;
    }
    if (reload && previousKey === '' && this.failed.size > 0) this.reloadFailed();
  }

  /** A handler that failed leaves its entity as its row says: rebuilt as a restart would. */
  private reloadFailed(): void {
    for (const key of this.failed.values()) {
      this.failed.delete(key);
      const entity = this.entities.get(key);
      this.entities.delete(key);
      entity?.actor.stop();
      this.rebuild(key);
    }
  }

  private spawn(key: string, input: Input, machine = this.spec.machine): Entity {
    const actor = createMachineActor(this.engine, machine, { input, clock: this.clock });
    actor.on('*', (effect) => this.carryOut(key, actor, effect as Effect));
    const entity = { key, actor, machine };
    this.entities.set(key, entity);
    this.within(key, () => actor.start(), actor);
    return entity;
  }

  private carryOut(key: string, actor: HostedActor, effect: Effect): void {
    if (!this.world.isUp(this.address) || this.failed.has(key)) return;
    if (effect.type === 'note') {
      this.world.note(this.address, effect.text, key);
      return;
    }
    if (effect.type === 'send') {
      let msg: Message = effect.msg;
      const answer = this.answering?.to === effect.to ? this.answering : undefined;
      if (answer !== undefined) {
        msg = withRequestId(msg, answer.requestId);
        msg = this.spec.answer?.(msg) ?? msg;
      } else if (this.spec.requests?.to === effect.to) {
        const requestId = this.nextRequestId++;
        this.waiting ??= new Map();
        this.waiting.set(requestId, this.world.nowMs + this.spec.requests.timeoutMs);
        msg = withRequestId(msg, requestId);
      }
      if (!this.world.send(this.address, effect.to, msg, undefined, answer)) this.cutShort.add(key);
      return;
    }
    const result = this.world.write(this.address, effect.table, effect.key, effect.row, {
      uniqueBy: effect.uniqueBy,
      fulfils: effect.fulfils,
      fact: this.spec.project?.(effect.table, effect.key, effect.row),
    });
    if (result === 'crashed') this.cutShort.add(key);
    if (result === 'ok' || result === 'unknown') this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
    if (result === 'unknown') this.failed.add(key);
    if (effect.uniqueBy === undefined || result === 'crashed' || result === 'unknown') return;
    actor.send({ type: result === 'ok' ? 'db.written' : 'db.conflict', table: effect.table });
  }
}

/**
 * The clock the host's actors schedule their delayed events on: the world's timers. A class, not an
 * object of arrow functions: tsx names each named arrow it creates, which showed per run.
 */
class HostClock implements ActorClock {
  constructor(
    private readonly host: { setTimer(fn: () => void, ms: number): number; clearTimer(id: unknown): void },
  ) {}

  setTimeout(fn: () => void, ms: number): number {
    return this.host.setTimer(fn, ms);
  }

  clearTimeout(id: unknown): void {
    this.host.clearTimer(id);
  }
}

function rereadStory(guard: WriteGuard, statusRead: string | undefined): string {
  if (guard === 'conditional') return `its UPDATE … WHERE status = '${statusRead}' matched no row`;
  if (guard === 'version') return 'its UPDATE … WHERE version = <the version read> matched no row';
  return 'its SELECT … FOR UPDATE waited for that write';
}

// An actor in a final state takes no more messages; the service answers as for an unknown one.
function active(entity: Entity): boolean {
  return entity.actor.getSnapshot().status === 'active';
}

/** `xstate.after.notifyTimeout.paymentOrder…` reads as "the notifyTimeout timer". */
function timerName(event: Message): string {
  const delay = /^xstate\.after\.([^.]+)\./.exec(event.type)?.[1];
  return delay === undefined ? event.type : `the ${delay} timer`;
}

function statusOf(snapshot: HostedSnapshot): string | undefined {
  return (snapshot as { context?: { status?: string } }).context?.status;
}

/** By message type: what copies a delivered message into its event (see eventOf), or adds a request id. */
const eventCopiers = new Map<string, ShapeCopier>();
const eventFields = ['replyTo', 'atMs'] as const;
const requestCopiers = new Map<string, ShapeCopier>();
const requestFields = ['requestId'] as const;

/** The copier for messages of `type` in `copiers`, made on first use. */
function copierOf(
  copiers: Map<string, ShapeCopier>,
  type: string,
  extra: readonly [string] | readonly [string, string],
): ShapeCopier {
  let copier = copiers.get(type);
  if (copier === undefined) {
    copier = new ShapeCopier(extra);
    copiers.set(type, copier);
  }
  return copier;
}

/** `{ ...msg, requestId }`. */
function withRequestId(msg: Message, requestId: number): Message {
  return copierOf(requestCopiers, msg.type, requestFields).copy(msg, requestId);
}

/** The effect of sending `msg` to the service at `to`. */
export function send<M extends Message>(to: string, msg: M): Effect {
  return { type: 'send', to, msg };
}
