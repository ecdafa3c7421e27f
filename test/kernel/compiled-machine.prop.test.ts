// The compiled engine against XState's interpreter, its semantics oracle: random event sequences
// (events each machine takes, with random payloads, plus clock advances, a restore from a persisted
// snapshot as a stale-read handler does, and stops) go through both, and after every step the state
// value (with its key order), context, status, emitted effects, the clock calls (which delays, in
// which order, which timers cleared) and the last pending delayed event must be the same. A
// compiled engine with a wrong action order must be caught.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { sendTo, setup } from 'xstate';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import { weakenings } from '../../src/designs/variants.ts';
import { providers } from '../../src/fakes/providers/index.ts';
import type { ProviderProfile } from '../../src/fakes/providers/provider-profile.ts';
import { signNotification } from '../../src/fakes/signature.ts';
import { CompiledActor } from '../../src/kernel/compiled-actor.ts';
import {
  CompiledMachine,
  compileMachine,
  UnsupportedMachineError,
} from '../../src/kernel/compiled-machine.ts';
import {
  createMachineActor,
  type HostedActor,
  lastScheduledEvent,
  persistedSnapshot,
} from '../../src/kernel/machine-engine.ts';
import { businessOrderMachine } from '../../src/machines/business-order.machine.ts';
import { gatewayTransactionMachine } from '../../src/machines/gateway-transaction.machine.ts';
import { paymentOrderMachine } from '../../src/machines/payment-order.machine.ts';
import { reconciliationMachine } from '../../src/machines/reconciliation.machine.ts';
import { payBehaviours, submitBehaviours, userMachine } from '../../src/machines/user.machine.ts';

type Event = { readonly type: string } & Record<string, unknown>;
type Command =
  | { readonly kind: 'event'; readonly event: Event }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'restore' }
  | { readonly kind: 'stop' };

interface Subject<Input> {
  readonly machine: AnyStateMachine;
  readonly input: fc.Arbitrary<Input>;
  readonly events: (input: Input) => fc.Arbitrary<Event>;
}

type Factory = (
  machine: AnyStateMachine,
  options: { input?: unknown; snapshot?: unknown; clock: Side['clock'] },
) => HostedActor;

const xstateEngine: Factory = (machine, options) => createMachineActor('xstate', machine, options);
const compiledEngine: Factory = (machine, options) => createMachineActor('compiled', machine, options);
const mutants = new Map<AnyStateMachine, CompiledMachine>();
/** Exit actions run after entry actions: a wrong microstep order. */
const wrongOrderEngine: Factory = (machine, options) => {
  let table = mutants.get(machine);
  if (table === undefined) {
    table = new CompiledMachine(machine, true);
    mutants.set(machine, table);
  }
  return new CompiledActor(table, options as never);
};

// The virtual time both sides share (a gateway transaction's `now` reads it, from its input).
let now = 0;

/** One engine's actor with its own timers, recording what it emits and what it asks of the clock. */
class Side {
  readonly emitted: unknown[] = [];
  readonly clockCalls: string[] = [];
  private timers: Array<{ id: number; atMs: number; fire: () => void }> = [];
  private nextTimer = 1;
  actor: HostedActor;
  readonly clock = {
    setTimeout: (fire: () => void, ms: number) => {
      const id = this.nextTimer++;
      this.timers.push({ id, atMs: now + Math.max(0, ms), fire });
      this.clockCalls.push(`set ${id} ${ms}`);
      return id;
    },
    clearTimeout: (id: unknown) => {
      this.timers = this.timers.filter((t) => t.id !== id);
      this.clockCalls.push(`clear ${id}`);
    },
  };

  constructor(
    private readonly engine: Factory,
    private readonly machine: AnyStateMachine,
    input: unknown,
    /** How a write with a unique index is answered, at once, while the actor is still busy. */
    private readonly conflicts: boolean,
  ) {
    this.actor = this.listen(engine(machine, { input, clock: this.clock }));
    this.actor.start();
  }

  private listen(actor: HostedActor): HostedActor {
    actor.on('*', (effect) => {
      this.emitted.push(effect);
      const e = effect as { type: string; uniqueBy?: string; table?: string };
      if (e.type === 'write' && e.uniqueBy !== undefined)
        actor.send({ type: this.conflicts ? 'db.conflict' : 'db.written', table: e.table });
    });
    return actor;
  }

  apply(command: Command): void {
    if (command.kind === 'event') this.actor.send(command.event);
    else if (command.kind === 'stop') this.actor.stop();
    else if (command.kind === 'restore') {
      const clone = this.listen(
        this.engine(this.machine, {
          snapshot: persistedSnapshot(this.actor, this.actor.getSnapshot()),
          clock: this.clock,
        }),
      );
      clone.start();
      this.actor.stop();
      this.actor = clone;
    }
  }

  /** Fires every timer due by `untilMs`, earliest first (ties in the order set). */
  advance(untilMs: number): void {
    for (;;) {
      let next: (typeof this.timers)[number] | undefined;
      for (const t of this.timers)
        if (t.atMs <= untilMs && (next === undefined || t.atMs < next.atMs)) next = t;
      if (next === undefined) return;
      const due = next;
      this.timers = this.timers.filter((t) => t !== due);
      now = due.atMs;
      due.fire();
    }
  }

  observe() {
    const snapshot = this.actor.getSnapshot();
    return {
      status: snapshot.status,
      value: JSON.stringify(snapshot.value),
      context: snapshot.context,
      emitted: this.emitted,
      clockCalls: this.clockCalls,
      lastScheduled: lastScheduledEvent(this.actor),
    };
  }
}

/** Runs `commands` through both engines; the first step where they differ, as a message. */
function differ(
  subject: Subject<unknown>,
  engine: Factory,
  input: unknown,
  conflicts: boolean,
  commands: readonly Command[],
): string | undefined {
  now = 0;
  const reference = new Side(xstateEngine, subject.machine, input, conflicts);
  now = 0;
  const compiled = new Side(engine, subject.machine, input, conflicts);
  const compare = (step: string): string | undefined => {
    try {
      expect(compiled.observe()).toEqual(reference.observe());
      return undefined;
    } catch (error) {
      return `${step}: ${(error as Error).message}`;
    }
  };
  let problem = compare('start');
  for (const [i, command] of commands.entries()) {
    if (problem !== undefined) return problem;
    if (command.kind === 'advance') {
      const target = now + command.ms;
      const from = now;
      reference.advance(target);
      now = from;
      compiled.advance(target);
      now = target;
    } else {
      reference.apply(command);
      compiled.apply(command);
    }
    problem = compare(`step ${i} (${JSON.stringify(command).slice(0, 200)})`);
  }
  return problem;
}

function property(subject: Subject<unknown>, engine: Factory) {
  const run = subject.input.chain((input) =>
    fc.tuple(fc.constant(input), fc.boolean(), fc.array(command(subject.events(input)), { maxLength: 30 })),
  );
  return fc.property(run, ([input, conflicts, commands]) => {
    const problem = differ(subject, engine, input, conflicts, commands);
    if (problem !== undefined) throw new Error(problem);
  });
}

function command(events: fc.Arbitrary<Event>): fc.Arbitrary<Command> {
  return fc.oneof(
    { weight: 6, arbitrary: events.map((event) => ({ kind: 'event' as const, event })) },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(0, 1, 2_000, 5_000, 30_000, 60_000, 16 * 60_000, 3 * 60 * 60_000, 30 * 60 * 60_000)
        .map((ms) => ({ kind: 'advance' as const, ms })),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'restore' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'stop' as const }) },
  );
}

// Inputs and events per machine: every event type the machine names, with payloads that reach its guards.

const hardened = presets.hardened as Design;
const seed = presets.seed as Design;
const naive = presets.naive as Design;
const designs: Design[] = [
  naive,
  seed,
  hardened,
  ...weakenings(hardened).map((w) => w.design),
  ...weakenings(seed).map((w) => w.design),
].flatMap((d) => [d, { ...d, forwarding: d.forwarding === 'mq' ? ('direct' as const) : ('mq' as const) }]);
const design = fc.constantFrom(...designs);
const profile = fc.constantFrom(...(Object.values(providers) as ProviderProfile[]));
const trade = fc.constantFrom('o1~1', 'o1~2', 'o1~3');
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const values = (names: Readonly<Record<string, string | undefined>>) =>
  fc.constantFrom(...(Object.values(names).filter((n) => n !== undefined) as string[]), 'JUNK');
const e = <T extends Record<string, fc.Arbitrary<unknown>>>(type: string, fields: T) =>
  fc.record({ type: fc.constant(type), ...fields }) as unknown as fc.Arbitrary<Event>;
const c = fc.constant;
const clockNow = () => now;

const userSubject: Subject<unknown> = {
  machine: userMachine,
  input: fc.record({
    userId: c('u1'),
    intentId: c('i1'),
    amount: c(100),
    submit: fc.constantFrom(...submitBehaviours),
    pay: fc.constantFrom(...payBehaviours, 'timed' as const),
    payDelayMs: fc.constantFrom(0, 2_000, 35_000),
    abandons: fc.boolean(),
    startAfterMs: fc.constantFrom(0, 1_000),
  }),
  events: () => {
    const orderId = fc.constantFrom('i1.1', 'i1.2');
    return fc.oneof(
      e('order.created', { orderId }),
      e('order.rejected', { orderId }),
      e('pay.ready', { orderId, outTradeNo: trade }),
      e('pay.result', { outTradeNo: trade, ok: fc.boolean() }),
    );
  },
};

const businessOrderSubject: Subject<unknown> = {
  machine: businessOrderMachine,
  input: fc.record({
    orderId: c('o1'),
    intentId: c('i1'),
    amount: c(100),
    user: c('u1'),
    design,
    restored: maybe(
      fc.record({
        orderId: c('o1'),
        intentId: c('i1'),
        user: c('u1'),
        amount: c(100),
        status: fc.constantFrom('created', 'closing', 'paid', 'closed', 'exception'),
        shipments: fc.constantFrom(0, 1),
      }),
    ),
  }),
  events: () => {
    const r = { replyTo: fc.constantFrom('users', 'pc', 'mq'), orderId: c('o1') };
    return fc.oneof(
      e('order.submit', { ...r, intentId: c('i1'), amount: c(100) }),
      e('redis.reply', { ...r, value: fc.constantFrom(null, 'OK', 'o2') }),
      e('db.written', {}),
      e('db.conflict', {}),
      e('pay.requested', r),
      e('payment.created', { ...r, outTradeNo: trade }),
      e('payment.succeeded', {
        ...r,
        outTradeNo: trade,
        amount: c(100),
        ack: c({ to: 'pc', msg: { type: 'payment.ack', orderId: 'o1' } }),
      }),
      e('payment.status', { ...r, status: fc.constantFrom('paid', 'paying', 'closed') }),
      e('payment.closed', r),
    );
  },
};

const paymentOrderSubject: Subject<unknown> = {
  machine: paymentOrderMachine,
  input: fc.record({
    orderId: c('o1'),
    amount: c(100),
    design,
    profile,
    restored: maybe(
      fc.record({
        orderId: c('o1'),
        amount: c(100),
        status: fc.constantFrom('paying', 'closing', 'paid', 'closed', 'exception'),
        attempts: fc.subarray(['o1~1', 'o1~2']),
        paidBy: maybe(trade),
        outbox: maybe(fc.constantFrom('pending', 'done')),
        refundsPending: fc.subarray(['o1~1', 'o1~2']),
        refundsDone: fc.subarray(['o1~3']),
      }),
    ),
  }),
  events: (input) => {
    const p = (input as { profile: ProviderProfile }).profile;
    const app = { replyTo: c('app'), orderId: c('o1') };
    const gw = { replyTo: c('gateway'), outTradeNo: trade };
    const notification = fc
      .record({
        outTradeNo: trade,
        amount: fc.constantFrom(100, 99),
        merchant: fc.constantFrom(p.merchantId, 'someone-else'),
        status: values(p.notifyNames),
        timestampMs: fc.constantFrom(0, 60_000),
        nonce: c('n'),
      })
      .chain((n) =>
        fc
          .constantFrom(signNotification(p.signingKey, n), 'forged')
          .map((signature) => ({ ...n, signature })),
      );
    const refundNo = fc.constantFrom(undefined, 'refund-o1~1', 'refund-o1~1-2', 'refund-o1~2');
    return fc.oneof(
      e('payment.create', { ...app, amount: c(100) }),
      e('payment.close', app),
      e('payment.query', app),
      e('gateway.prepay.result', { ...gw, ok: fc.boolean(), prepayId: c('prepay') }),
      e('gateway.notify', {
        replyTo: c('gateway'),
        notification,
        atMs: fc.constantFrom(0, 60_000, 10_000_000),
      }),
      e('gateway.query.result', { ...gw, ok: fc.boolean(), status: values(p.statusNames) }),
      e('gateway.close.result', {
        ...gw,
        ok: fc.boolean(),
        result: fc.constantFrom('closed', 'paid', 'not-exist', 'status-error'),
      }),
      e('gateway.refund.result', {
        ...gw,
        refundNo,
        ok: fc.boolean(),
        status: values(p.refundNames),
        code: fc.constantFrom(undefined, 'SYSTEMERROR', 'NOTENOUGH'),
      }),
      e('gateway.refund.notify', { ...gw, refundNo, status: values(p.refundNames) }),
      e('payment.ack', app),
      e('mq.confirm', { replyTo: c('mq'), messageId: c('o1/paid') }),
    );
  },
};

const gatewaySubject: Subject<unknown> = {
  machine: gatewayTransactionMachine,
  input: profile.chain((p) =>
    fc.record({
      outTradeNo: c('o1~1'),
      orderId: c('o1'),
      amount: c(100),
      merchant: c(p.merchantId),
      profile: c(p),
      expiresAfterMs: fc.constantFrom(60_000, 2 * 60 * 60_000),
      now: c(clockNow),
    }),
  ),
  events: (input) => {
    const p = (input as { profile: ProviderProfile }).profile;
    const pc = { replyTo: c('pc'), outTradeNo: c('o1~1') };
    const refundNo = fc.constantFrom('r1', 'r2');
    return fc.oneof(
      e('gateway.prepay', { ...pc, amount: fc.constantFrom(100, 99), expiresAfterMs: c(60_000) }),
      e('user.pay', {
        ...pc,
        replyTo: c('users'),
        userId: c('u1'),
        intentId: c('i1'),
        settlement: maybe(
          fc.record({ outcome: fc.constantFrom('succeeds', 'fails'), afterMs: fc.constantFrom(0, 3_000) }),
        ),
      }),
      e('gateway.query', pc),
      e('user.scan', { ...pc, replyTo: c('users') }),
      e('gateway.close', pc),
      e('gateway.refund', {
        ...pc,
        refundNo,
        amount: fc.constantFrom(50, 100, 150),
        outcome: maybe(fc.constantFrom('SUCCESS', 'CLOSED', 'ABNORMAL')),
      }),
      e('gateway.notify.ack', {
        ...pc,
        httpStatus: fc.constantFrom(200, 500),
        body: fc.constantFrom('SUCCESS', 'success', '{"code":"SUCCESS"}', '', 'FAIL', p.merchantId),
      }),
      e('payment.settle', {}),
      e('refund.settle', { refundNo }),
    );
  },
};

const reconciliationSubject: Subject<unknown> = {
  machine: reconciliationMachine,
  // Request timeouts of minutes: a day of virtual time re-enters `fetching` a few thousand times, not a hundred thousand.
  input: fc.record({
    afterMs: fc.constantFrom(0, 60_000),
    requestTimeoutMs: fc.constantFrom(60_000, 30 * 60_000),
  }),
  events: () =>
    e('gateway.bill.result', {
      replyTo: c('gateway'),
      trades: fc.array(
        fc.record({ outTradeNo: trade, amount: c(100), status: fc.constantFrom('SUCCESS', 'TRADE_SUCCESS') }),
        { maxLength: 3 },
      ),
    }),
};

const subjects: Record<string, Subject<unknown>> = {
  user: userSubject,
  'business order': businessOrderSubject,
  'payment order': paymentOrderSubject,
  'gateway transaction': gatewaySubject,
  reconciliation: reconciliationSubject,
};

describe('the compiled engine behaves as XState on every machine', () => {
  // XState's development build warns of every event sent to a stopped actor; stops are part of the test.
  beforeAll(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });
  for (const [name, subject] of Object.entries(subjects)) {
    it(`${name}: same value, context, status, effects and timers after every step`, () => {
      fc.assert(property(subject, compiledEngine), { numRuns: 150, seed: 20_251 });
    });
  }
});

describe('the differential test catches a wrong engine', () => {
  beforeAll(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });
  for (const [name, subject] of Object.entries(subjects)) {
    it(`${name}: exit actions run after entry actions are told apart from XState`, () => {
      const details = fc.check(property(subject, wrongOrderEngine), { numRuns: 150, seed: 20_251 });
      expect(details.failed).toBe(true);
    });
  }
});

describe('the compiler refuses what it does not implement', () => {
  it('refuses sendTo, naming the machine and the state', () => {
    const machine = setup({}).createMachine({
      id: 'sender',
      initial: 'a',
      states: { a: { entry: sendTo('other', { type: 'x' }) } },
    });
    expect(() => compileMachine(machine)).toThrow(UnsupportedMachineError);
    expect(() => compileMachine(machine)).toThrow(/machine 'sender'.*xstate\.sendTo.*#sender\.a/);
  });

  it('refuses invoke and history states', () => {
    const invoking = setup({}).createMachine({
      id: 'invoking',
      initial: 'a',
      states: { a: { invoke: { src: 'child' } as never } },
    });
    expect(() => compileMachine(invoking)).toThrow(/invoke in state '#invoking\.a'/);
    const remembering = setup({}).createMachine({
      id: 'remembering',
      initial: 'a',
      states: { a: { initial: 'b', states: { b: {}, h: { type: 'history' } } } },
    });
    expect(() => compileMachine(remembering)).toThrow(/history state '#remembering\.a\.h'/);
  });

  it('compiles every machine paysim runs', () => {
    for (const subject of Object.values(subjects))
      expect(compileMachine(subject.machine).nodes.length).toBeGreaterThan(1);
  });
});
