// Which interpreter runs the machines. `compiled` (the default) runs each XState definition through
// a flat transition table (compiled-machine.ts, compiled-actor.ts); `xstate` runs it through
// XState's own interpreter, the reference the compiled engine is tested against. Both give the same
// trace for the same run. Only the part of an actor that machine-host.ts uses is exposed here.

import { type Actor, type AnyStateMachine, createActor } from 'xstate';
import { type ActorClock, CompiledActor, type PersistedSnapshot, persistSnapshot } from './compiled-actor.ts';
import { compileMachine } from './compiled-machine.ts';

export type MachineEngine = 'compiled' | 'xstate';
export const machineEngines: readonly MachineEngine[] = ['compiled', 'xstate'];
export const defaultEngine: MachineEngine = 'compiled';

export interface HostedSnapshot {
  readonly status: string;
  readonly context: unknown;
  readonly value: unknown;
}

export interface HostedActor {
  start(): unknown;
  send<E extends { readonly type: string }>(event: E): void;
  stop(): unknown;
  on(type: '*', listener: (emitted: unknown) => void): unknown;
  getSnapshot(): HostedSnapshot;
}

export interface ActorOptions {
  readonly input?: unknown;
  /** A snapshot persisted by `persistedSnapshot` with the same engine: the actor resumes from it. */
  readonly snapshot?: unknown;
  readonly clock: ActorClock;
}

export function createMachineActor(
  engine: MachineEngine,
  machine: AnyStateMachine,
  options: ActorOptions,
): HostedActor {
  if (engine === 'xstate') return createActor(machine, options as never) as unknown as HostedActor;
  return new CompiledActor(compileMachine(machine), options as never);
}

/** What `createMachineActor(…, { snapshot })` resumes from: `snapshot` taken from `actor`. */
export function persistedSnapshot(actor: HostedActor, snapshot: HostedSnapshot): unknown {
  if (actor instanceof CompiledActor) return persistSnapshot(snapshot as never) satisfies PersistedSnapshot;
  const logic = (actor as unknown as Actor<AnyStateMachine>).logic;
  return logic.getPersistedSnapshot(snapshot as never);
}

/** The delayed event `actor` has just scheduled (the last one pending). */
export function lastScheduledEvent(actor: HostedActor): unknown {
  if (actor instanceof CompiledActor) return actor.lastScheduledEvent();
  const system = (actor as unknown as Actor<AnyStateMachine>).system;
  return Object.values(system.getSnapshot()._scheduledEvents).at(-1)?.event;
}
