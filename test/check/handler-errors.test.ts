// A search that passes still tells what your own code threw: each kind of error in how many runs,
// the first run, and a replay line that shows it. The counts are the same on one thread, a worker
// pool and shards; errors that a fault paysim injected throws, or caused, are not counted.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimplePaymentCenter } from '../../examples/simple-payment-center.ts';
import { asyncPaymentCenter } from '../../src/adapters/async-payment-center.ts';
import type { PaymentCenterPorts } from '../../src/adapters/payment-center-port.ts';
import { assertHolds, HandlerErrors } from '../../src/check/assert-holds.ts';
import { type ErrorKind, ErrorTally } from '../../src/check/error-tally.ts';
import { explore, replay, storyAt } from '../../src/check/explore.ts';
import { exploreIndexed, SearchPool } from '../../src/check/pool.ts';
import { parsePicks, parseWorkload } from '../../src/check/story.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import type { Notification } from '../../src/domain/messages.ts';
import { allFaults } from '../../src/faults/catalogue.ts';
import type { Workload } from '../../src/services/workload.ts';

const hardened = presets.hardened as Design;
const faults = new Set(allFaults);

/** Reads a field of a row it never loaded: a TypeError on every query. */
class ThrowingQuery extends SimplePaymentCenter {
  override async onQuery(): Promise<void> {
    const row = undefined as unknown as { status: string };
    if (row.status === 'paid') return;
  }
}

/** Wraps whatever its create handler throws, DatabaseTimeout included, as its cause. */
class WrappingCreate extends SimplePaymentCenter {
  override async onCreatePayment(request: { orderId: string; amount: number }): Promise<void> {
    try {
      await super.onCreatePayment(request);
    } catch (error) {
      throw new Error('could not create the payment', { cause: error });
    }
  }
}

describe('what your code threw in a passing search', () => {
  let pool: SearchPool;
  beforeAll(() => {
    pool = SearchPool.start(2);
  });
  afterAll(() => pool.close());

  const search = {
    design: hardened,
    runs: 200,
    seed: 3,
    maxOrders: 3,
    faults,
    paymentCenter: asyncPaymentCenter((ports) => new ThrowingQuery(ports)),
  };

  it('counts each kind with its runs and first run, the same on one thread, a pool and shards', async () => {
    const threw: number[] = [];
    const single = await explore({
      ...search,
      onRun: (n, result) => {
        if (result.handlerErrors.length > 0) threw.push(n);
      },
    });
    expect(single.counterexample).toBeUndefined();
    const [kind, ...others] = single.handlerErrors ?? [];
    expect(others).toEqual([]);
    expect(kind).toMatchObject({
      owner: 'pc',
      handler: 'onQuery',
      error: 'TypeError',
      message: "Cannot read properties of undefined (reading 'status')",
      runs: threw.length,
      firstRun: threw[0],
    });
    expect(threw.length).toBeGreaterThan(10);
    expect(threw.length).toBeLessThan(search.runs);

    // Without an --app module to load, services of your own run on this thread even when asked
    // for workers; test/cli/handler-errors.test.ts runs a real pool through --app.
    const pooled = await exploreIndexed({ ...search, workers: 2, pool });
    expect(pooled.handlerErrors).toEqual(single.handlerErrors);
    const tally = new ErrorTally();
    const shards = [];
    for (const index of [1, 2]) {
      const shard = await exploreIndexed({ ...search, workers: 1, shard: { index, count: 2 } });
      shards.push(shard);
      tally.merge(shard.handlerErrors ?? []);
    }
    expect(shards.every((s) => (s.handlerErrors?.length ?? 0) === 1)).toBe(true);
    expect(tally.kinds()).toEqual(single.handlerErrors);
  });

  it('gives a replay line that runs into the error', async () => {
    const single = await explore(search);
    const replayLine = single.handlerErrors?.[0]?.replay ?? '';
    const workload = parseWorkload(/--workload (\S+)/.exec(replayLine)?.[1] ?? '');
    const picks = parsePicks(/--picks "([^"]*)"/.exec(replayLine)?.[1] ?? '');
    const again = await replay(hardened, { workload, picks }, search);
    expect(again.handlerErrors.map((e) => `${e.handler}: ${e.error}`)).toContain('onQuery: TypeError');
    expect(again.violations).toEqual([]);
  });

  it('leaves out what an injected fault throws, and an error caused by one (its cause)', async () => {
    let injected = 0;
    const report = await explore({
      ...search,
      faults: new Set(['db.timeout', 'pc.crash']),
      paymentCenter: asyncPaymentCenter((ports) => new WrappingCreate(ports)),
      onRun: (_, result) => {
        injected += result.handlerErrors.filter((e) => e.faultMayExplain && e.error === 'Error').length;
      },
    });
    expect(injected).toBeGreaterThan(0);
    expect(report.handlerErrors).toBeUndefined();
  });

  it('leaves out a failure a fault may explain: one struck while the handler ran, or the callback was hostile', async () => {
    // Throws a plain Error, no cause, on what faults bring: a gateway that gave no answer, a forged callback.
    class StrictCenter extends SimplePaymentCenter {
      constructor(private readonly io2: PaymentCenterPorts) {
        super(io2);
      }
      override async onNotify(n: Notification): Promise<{ httpStatus: number; body: string }> {
        if (!this.io2.provider.verify(n)) throw new Error('bad signature');
        return super.onNotify(n);
      }
      override async onQuery({ orderId }: { orderId: string }): Promise<void> {
        const answer = await this.io2.gateway.query(`${orderId}~1`);
        if (!answer.ok) throw new Error(`the gateway gave no answer for ${orderId}`);
        return super.onQuery({ orderId });
      }
    }
    let explained = 0;
    const report = await explore({
      ...search,
      paymentCenter: asyncPaymentCenter((ports) => new StrictCenter(ports)),
      onRun: (_, result) => {
        explained += result.handlerErrors.filter((e) => e.faultMayExplain).length;
      },
    });
    expect(report.counterexample).toBeUndefined();
    expect(explained).toBeGreaterThan(0);
    expect(report.handlerErrors).toBeUndefined();
    // Listed apart, so that nothing is left out unseen.
    const leftOut = report.explainedErrors?.map((k) => `${k.handler}: ${k.error}`);
    expect(leftOut).toContain('onNotify: Error');
    expect(leftOut).toContain('onQuery: Error');
  });

  it('counts a mistake in the code that handles a fault (a TypeError), even while the fault struck', async () => {
    class MishandlesNoAnswer extends SimplePaymentCenter {
      constructor(private readonly io2: PaymentCenterPorts) {
        super(io2);
      }
      override async onQuery({ orderId }: { orderId: string }): Promise<void> {
        const answer = await this.io2.gateway.query(`${orderId}~1`);
        if (!answer.ok) (answer as unknown as { code: string }).code.toLowerCase();
        return super.onQuery({ orderId });
      }
    }
    const report = await explore({
      ...search,
      paymentCenter: asyncPaymentCenter((ports) => new MishandlesNoAnswer(ports)),
    });
    expect(report.counterexample).toBeUndefined();
    expect(report.handlerErrors?.map((k) => `${k.handler}: ${k.error}: ${k.message}`)).toEqual([
      "onQuery: TypeError: Cannot read properties of undefined (reading 'toLowerCase')",
    ]);
  });

  it('is not reported by a failing search, whose other threads run past its first failure', async () => {
    let threw = 0;
    const report = await explore({
      ...search,
      design: {
        ...hardened,
        forwarding: 'direct',
        mitigations: { ...hardened.mitigations, idempotentConsumer: false },
      },
      paymentCenter: asyncPaymentCenter(
        (ports) => new ThrowingQuery(ports, { plantedBug: 'non-idempotent-notify' }),
      ),
      onRun: (_, result) => {
        threw += result.handlerErrors.filter((e) => !e.faultMayExplain).length;
      },
    });
    expect(report.counterexample).toBeDefined();
    expect(threw).toBeGreaterThan(0);
    expect(report.handlerErrors).toBeUndefined();
  });

  it('fails assertHolds with failOnErrors, and only the report tells them without it', async () => {
    const options = { design: 'hardened', runs: 60, seed: 3, paymentCenter: search.paymentCenter };
    const report = await assertHolds(options);
    expect(report.handlerErrors.map((k) => k.handler)).toEqual(['onQuery']);
    // Its replay lines run your services from the command line: through the config that names them.
    expect(report.handlerErrors[0]?.replay).toMatch(/ --app \.\/paysim\.config\.ts$/);
    const named = await assertHolds({ ...options, app: 'ci/paysim.config.ts' });
    expect(named.handlerErrors[0]?.replay).toMatch(/ --app ci\/paysim\.config\.ts$/);
    const thrown = await assertHolds({ ...options, failOnErrors: true }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(HandlerErrors);
    expect((thrown as HandlerErrors).kinds).toEqual(report.handlerErrors);
    const [head, kind, where, hint, ...rest] = (thrown as Error).message.split('\n');
    expect(rest).toEqual([]);
    expect(hint).toContain('expectedErrors');
    expect(head).toBe(
      'hardened held every invariant in 60 runs, but your code failed where no fault paysim injected explains it:',
    );
    expect(kind).toBe(
      "  your payment center's onQuery: TypeError: Cannot read properties of undefined (reading 'status')",
    );
    expect(where).toMatch(
      /^ {4}in \d+ of 60 runs; the first, run \d+: replay\("hardened", \{"workload":.*\}, \{ paymentCenter \}\), with the services you passed; from the command line, with a paysim config that names the same services \(\.\/paysim\.config\.ts assumed; give assertHolds app to name yours\): npx paysim replay .* --app \.\/paysim\.config\.ts$/,
    );
    // expectedErrors: a class thrown on purpose is not listed, nor failed on.
    const expected = await assertHolds({ ...options, failOnErrors: true, expectedErrors: ['TypeError'] });
    expect(expected.handlerErrors).toEqual([]);
  });

  it('counts a handler that throws before it returns a promise, and a rejection nothing handles (the process ends)', async () => {
    class ThrowsAtOnce extends SimplePaymentCenter {
      override onQuery(): Promise<void> {
        throw new RangeError('not async');
      }
    }
    class Floating extends SimplePaymentCenter {
      override async onQuery(): Promise<void> {
        void Promise.reject(new SyntaxError('nobody awaits this'));
      }
    }
    const told = async (create: (ports: PaymentCenterPorts) => SimplePaymentCenter) => {
      const report = await explore({ ...search, runs: 80, paymentCenter: asyncPaymentCenter(create) });
      expect(report.counterexample).toBeUndefined();
      return report.handlerErrors?.map((k) => `${k.handler}: ${k.error}: ${k.message}`);
    };
    expect(await told((ports) => new ThrowsAtOnce(ports))).toEqual(['onQuery: RangeError: not async']);
    expect(await told((ports) => new Floating(ports))).toEqual([
      'unhandled rejection: SyntaxError: nobody awaits this',
    ]);
    // A class named as expected (thrown on purpose to fail a request) still counts when nothing
    // handled its rejection: the process ended.
    const expecting = await explore({
      ...search,
      runs: 80,
      expectedErrors: ['SyntaxError', 'RangeError'],
      paymentCenter: asyncPaymentCenter((ports) => new Floating(ports)),
    });
    expect(expecting.handlerErrors?.map((k) => `${k.handler}: ${k.error}`)).toEqual([
      'unhandled rejection: SyntaxError',
    ]);
    expect(
      (
        await explore({
          ...search,
          runs: 80,
          expectedErrors: ['RangeError'],
          paymentCenter: asyncPaymentCenter((ports) => new ThrowsAtOnce(ports)),
        })
      ).handlerErrors,
    ).toBeUndefined();
    const again = await replay(
      hardened,
      {
        workload: { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] },
        picks: parsePicks('user.abandon#0=1'),
      },
      { faults, paymentCenter: asyncPaymentCenter((ports) => new Floating(ports)) },
    );
    const notes = again.trace.flatMap((e) =>
      e.kind === 'note' ? [e.text] : e.kind === 'crash' ? ['(crash)'] : [],
    );
    expect(notes).toContain(
      'unhandled promise rejection (SyntaxError: nobody awaits this): Node ends the process',
    );
    expect(notes).toContain('(crash)');
  });

  it('keeps two different errors of one handler apart, and cuts the first run down to what throws', async () => {
    class TwoBugs extends SimplePaymentCenter {
      override async onQuery({ orderId }: { orderId: string }): Promise<void> {
        if (orderId.startsWith('o1')) throw new TypeError(`no row for ${orderId}`);
        throw new TypeError('status is not a function');
      }
    }
    const twoBugs = asyncPaymentCenter((ports) => new TwoBugs(ports));
    const report = await explore({ ...search, paymentCenter: twoBugs });
    const kinds = report.handlerErrors ?? [];
    expect(kinds.map((k) => k.message).sort()).toEqual(['no row for o1.1', 'status is not a function']);
    const stillThrows = async (k: ErrorKind, story: Parameters<typeof replay>[1]) => {
      const again = await replay(hardened, story, { ...search, paymentCenter: twoBugs }).catch(
        () => undefined,
      );
      const same = again?.handlerErrors.some(
        (e) => e.message.replace(/\d+/g, '#') === k.message.replace(/\d+/g, '#'),
      );
      return same === true && again?.violations.length === 0;
    };
    let cutOrders = 0;
    for (const k of kinds) {
      const workload = k.workload as Workload;
      const picks = k.picks ?? [];
      expect(await stillThrows(k, { workload, picks })).toBe(true);
      // Every order and every deviation left is needed: without any one of them, the run no longer throws it.
      for (let i = 0; i < workload.intents.length && workload.intents.length > 1; i++) {
        const fewer = { intents: workload.intents.filter((_, j) => j !== i) };
        expect(await stillThrows(k, { workload: fewer, picks })).toBe(false);
      }
      for (let i = 0; i < picks.length; i++)
        expect(await stillThrows(k, { workload, picks: picks.filter((_, j) => j !== i) })).toBe(false);
      const generated = await storyAt({ ...search, paymentCenter: twoBugs }, k.firstRun - 1);
      cutOrders += generated.story.workload.intents.length - workload.intents.length;
    }
    // The first runs came with more orders than they need (the search makes up to three).
    expect(cutOrders).toBeGreaterThan(0);
  });
  it('counts a handler still waiting when the run ended, on something paysim does not simulate', async () => {
    // A promise nothing resolves stands for a real network call paysim cannot see.
    class HangingClose extends SimplePaymentCenter {
      override async onClose(request: { orderId: string }): Promise<void> {
        await new Promise(() => {});
        await super.onClose(request);
      }
    }
    const report = await explore({
      ...search,
      runs: 60,
      faults: new Set(['user.abandon']),
      paymentCenter: asyncPaymentCenter((ports) => new HangingClose(ports)),
    });
    const kinds = report.handlerErrors ?? [];
    expect(kinds.map((k) => [k.handler, k.error])).toContainEqual(['onClose', 'never settled']);
    expect(kinds.find((k) => k.error === 'never settled')?.message).toMatch(/a real network call/);
    // A handler that only waits on ports settles within the run: the same search without the hang reports none.
    const fine = await explore({
      ...search,
      runs: 60,
      faults: new Set(['user.abandon']),
      paymentCenter: asyncPaymentCenter((ports) => new SimplePaymentCenter(ports)),
    });
    expect((fine.handlerErrors ?? []).filter((k) => k.error === 'never settled')).toEqual([]);
  });
  it('tells what kept a run busy when a handler never ends: its service, over and over', async () => {
    // A conditional update that can never match, retried without end (a WHERE on a missing field).
    const looping = asyncPaymentCenter((ports: PaymentCenterPorts) => {
      const center = new SimplePaymentCenter(ports);
      const onNotify = center.onNotify.bind(center);
      center.onNotify = async (n: Notification) => {
        while (!(await ports.db.update('payments', n.outTradeNo, { paid: true }, { missing: 1 })));
        return onNotify(n);
      };
      return center;
    });
    const report = await explore({ ...search, runs: 5, faults: new Set<string>(), paymentCenter: looping });
    const stuck = report.counterexample?.violations.find((v) => v.invariant === 'nothing-stuck');
    expect(stuck?.message).toMatch(
      /^the run was still busy after \d+ steps, at [\d:.h]+ \(virtual\): 200 of its last 200 steps were pc's handler going on after a database call, over and over/,
    );
  });
});
