// A search that passes still tells what your own code threw: each kind of error in how many runs,
// the first run, and a replay line that shows it. The counts are the same on one thread, a worker
// pool and shards; errors that a fault paysim injected throws, or caused, are not counted.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimplePaymentCenter } from '../../examples/simple-payment-center.ts';
import { asyncPaymentCenter } from '../../src/adapters/async-payment-center.ts';
import { assertHolds, HandlerErrors } from '../../src/check/assert-holds.ts';
import { ErrorTally } from '../../src/check/error-tally.ts';
import { explore, replay } from '../../src/check/explore.ts';
import { exploreIndexed, SearchPool } from '../../src/check/pool.ts';
import { parsePicks, parseWorkload } from '../../src/check/story.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import { allFaults } from '../../src/faults/catalogue.ts';

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

    // The pool runs this search's services on this thread (no --app module), so its workers
    // are exercised by the shards' tally being merged as the pool merges its workers'.
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
        injected += result.handlerErrors.filter((e) => e.injected && e.error === 'Error').length;
      },
    });
    expect(injected).toBeGreaterThan(0);
    expect(report.handlerErrors).toBeUndefined();
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
        threw += result.handlerErrors.filter((e) => !e.injected).length;
      },
    });
    expect(report.counterexample).toBeDefined();
    expect(threw).toBeGreaterThan(0);
    expect(report.handlerErrors).toBeUndefined();
  });

  it('fails assertHolds with failOnErrors, and only the report tells them without it', async () => {
    const options = { design: 'hardened', runs: 60, seed: 3, paymentCenter: search.paymentCenter };
    const report = await assertHolds(options);
    expect(report.handlerErrors?.map((k) => k.handler)).toEqual(['onQuery']);
    const thrown = await assertHolds({ ...options, failOnErrors: true }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(HandlerErrors);
    expect((thrown as HandlerErrors).kinds).toEqual(report.handlerErrors);
    expect((thrown as Error).message).toMatch(
      /^hardened held every invariant in 60 runs, but your code threw errors paysim did not inject:\n {2}your payment center's onQuery: TypeError: .* the first, run \d+: npx paysim replay .* --app \.\/paysim\.config\.ts\)$/,
    );
  });
});
