// One run: run(design, workload, choices) → { trace, final state, verdict } (ARCHITECTURE.md
// principle 1). Nothing else influences it: no wall clock, no Math.random, no state shared
// between runs. The payment center can be the reference model or any Service behind the same port.

import { factoryProblem } from '../adapters/factory-check.ts';
import { ContractError } from '../adapters/service-ports.ts';
import type { Design } from '../designs/design.ts';
import { factsOf } from '../domain/facts.ts';
import { MqBroker } from '../fakes/mq-broker.ts';
import { providers } from '../fakes/providers/index.ts';
import type { ProviderProfile } from '../fakes/providers/provider-profile.ts';
import { RedisStore } from '../fakes/redis-store.ts';
import { delayOptionsMs, faultPolicy, stallOptionsMs } from '../faults/catalogue.ts';
import { checkAll, type Violation } from '../invariants/index.ts';
import {
  type Choices,
  type HandlerError,
  LivelockError,
  type MachineEngine,
  type Pick,
  type Row,
  type Service,
  type TraceEntry,
  World,
} from '../kernel/index.ts';
import { Attacker } from '../services/attacker.ts';
import { businessApp } from '../services/business-app.ts';
import { gateway } from '../services/gateway.ts';
import { paymentCenter } from '../services/payment-center.ts';
import { users } from '../services/users.ts';
import type { Workload } from '../services/workload.ts';
import { formatWorkload } from './story.ts';

/** Builds the service that plays the payment center; the default is the XState model. */
export type PaymentCenterFactory = (world: World, design: Design, profile: ProviderProfile) => Service;
/** Builds the service that plays the business app (order service); the default is the XState model. */
export type BusinessAppFactory = (world: World, design: Design) => Service;

export interface RunInput {
  readonly design: Design;
  readonly workload: Workload;
  readonly faults: ReadonlySet<string>;
  readonly choices: Choices & { readonly taken?: readonly Pick[]; readonly takenAtMs?: readonly number[] };
  readonly paymentCenter?: PaymentCenterFactory;
  readonly businessApp?: BusinessAppFactory;
  /** See WorldOptions.atomicHandlers: for the benchmark only. */
  readonly atomicHandlers?: boolean;
  /** Which interpreter runs the machines: `compiled` (the default) or `xstate`, the reference. */
  readonly engine?: MachineEngine;
}

export interface FinalState {
  readonly stores: Record<string, Record<string, Record<string, Row>>>;
  readonly redisKeys: Array<{ key: string; expiresAtMs: number }>;
  readonly mqPending: string[];
  readonly endMs: number;
  readonly quiescent: boolean;
}

export interface RunResult {
  readonly trace: readonly TraceEntry[];
  readonly final: FinalState;
  readonly violations: readonly Violation[];
  /** The non-default decisions this run took: with the workload, its exact reproduction. */
  readonly picks: readonly Pick[];
  /** When each of `picks` was taken, in virtual ms. */
  readonly pickTimesMs: readonly number[];
  /** The handlers of your own services that threw in this run, in order (none for the models). */
  readonly handlerErrors: readonly HandlerError[];
}

/** Long enough for every provider's full notification schedule (WeChat: 24 h 4 min) to drain. */
export const horizonMs = 48 * 60 * 60_000;

/**
 * A service of your own that took orders but stated no fact about any of them has no projection
 * that matches its rows (or reports nothing): every verdict would be about nothing it said. One
 * that never got an order paid on the happy path gives the checkers no payment to judge.
 */
function stated(
  input: RunInput,
  trace: readonly TraceEntry[],
  handlerErrors: readonly HandlerError[] | undefined,
): void {
  const roles = [
    {
      own: input.businessApp,
      address: 'app',
      asked: 'order.submit',
      kind: 'order',
      option: 'asyncBusinessApp',
    },
    {
      own: input.paymentCenter,
      address: 'pc',
      asked: 'payment.create',
      kind: 'payment',
      option: 'asyncPaymentCenter',
    },
  ];
  for (const role of roles) {
    if (role.own === undefined) continue;
    const asked = trace.some(
      (e) => e.kind === 'deliver' && e.env.to === role.address && e.env.msg.type === role.asked,
    );
    const tells = (paid: boolean) =>
      trace.some(
        (e) =>
          e.kind !== 'deliver' &&
          factsOf(e).some(
            (f) => f.kind === role.kind && (!paid || (f as { status?: string }).status === 'paid'),
          ),
      );
    const said = tells(false);
    // Here every user pays at once and nothing goes wrong: a service that never gets an order paid
    // would leave every invariant about payments nothing to judge, and the search would pass.
    // An order service may turn an order down (out of stock): a decision, told to the user.
    const refused =
      role.address === 'app' &&
      trace.some((e) => e.kind === 'deliver' && e.env.msg.type === 'order.rejected');
    if (asked && said && !refused && !tells(true)) {
      const failed = handlerErrors?.find((e) => e.owner === role.address);
      throw new ContractError(
        `your ${role.address === 'app' ? 'order service' : 'payment center'} took ${role.asked} in a run with no fault, where the user pays at once, but no ${role.kind} it stated ever became paid${failed === undefined ? '' : ` (its ${failed.handler} failed: ${failed.error}: ${failed.message})`}: the happy path must end paid. See it: npx paysim replay --design ${input.design.name} --workload ${formatWorkload(input.workload)}, with your --app config`,
      );
    }
    if (asked && !said)
      throw new ContractError(
        `your ${role.address === 'app' ? 'order service' : 'payment center'} handled ${role.asked} but stated no ${role.kind} fact: give ${role.option}(create, { project }) a projection that maps your rows to ${role.kind === 'order' ? 'OrderFact' : 'PaymentFact'}, or, on SQL, a facts query (${role.option}(create, { sql: { schema, facts } })${role.kind === 'payment' ? ', or httpPaymentCenter({ sql: { schema, facts } })' : ''}), or call ports.report after each change`,
      );
  }
}

const noErrors: readonly HandlerError[] = [];

export async function simulate(input: RunInput): Promise<RunResult> {
  const { design, workload, faults } = input;
  for (const field of ['paymentCenter', 'businessApp'] as const) {
    const problem = input[field] === undefined ? undefined : factoryProblem(field, input[field]);
    if (problem !== undefined) throw new ContractError(problem);
  }
  const profile = providers[design.provider] as ProviderProfile;
  const world = new World({
    choices: input.choices,
    faults: faultPolicy(faults),
    latencyMs: 10,
    delayOptionsMs,
    restartAfterMs: 5_000,
    stepMs: 2,
    stallOptionsMs,
    atomicHandlers: input.atomicHandlers,
    engine: input.engine,
    horizonMs,
    maxSteps: 20_000 * Math.max(1, workload.intents.length),
  });
  // Picks aimed by time read the world's clock.
  (input.choices as { useClock?: (now: () => number) => void }).useClock?.(() => world.nowMs);
  const redis = new RedisStore(world);
  const mq = new MqBroker(world, {
    consumerTimeoutMs: 30 * 60_000,
    maxDeliveries: 20,
    connectionsDrop: faults.has('mq.lost'),
    reconnectMs: 5_000,
  });
  world.add(users(world, workload, faults, design));
  world.add((input.businessApp ?? businessApp)(world, design), design.businessApp.replicas);
  world.add((input.paymentCenter ?? paymentCenter)(world, design, profile), design.paymentCenter.replicas);
  world.add(gateway(world, profile));
  world.add(redis);
  world.add(mq);
  world.add(new Attacker(world, workload, faults.has('notify.forged'), profile));
  // A design that never settles (timers re-arming forever) is a finding, not a crash.
  let livelock: LivelockError | undefined;
  try {
    await world.run();
  } catch (error) {
    if (!(error instanceof LivelockError)) throw error;
    livelock = error;
  }

  const stores: FinalState['stores'] = {};
  for (const [address, store] of world.stores()) stores[address] = store.snapshot();
  const final: FinalState = {
    stores,
    redisKeys: redis.liveKeys(),
    mqPending: mq.pending(),
    endMs: world.nowMs,
    quiescent: world.quiescent,
  };
  // Only a run that went the happy way must see every order stated.
  if (!livelock && (input.choices.taken?.length ?? 0) === 0) stated(input, world.trace, world.handlerErrors);
  const violations: readonly Violation[] = livelock
    ? [
        {
          invariant: 'nothing-stuck',
          step: world.step,
          atMs: world.nowMs,
          orders: [],
          message: livelock.message,
        },
      ]
    : checkAll({ design, profile, workload, trace: world.trace, final });
  return {
    trace: world.trace,
    final,
    violations,
    picks: input.choices.taken ?? [],
    pickTimesMs: input.choices.takenAtMs ?? [],
    handlerErrors: world.handlerErrors ?? noErrors,
  };
}
