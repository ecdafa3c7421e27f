import { describe, expect, it } from 'vitest';
import { alipay } from '../../src/fakes/providers/alipay.profile.ts';
import type { ProviderProfile } from '../../src/fakes/providers/provider-profile.ts';
import { wechat } from '../../src/fakes/providers/wechat.profile.ts';
import { faultPolicy } from '../../src/faults/catalogue.ts';
import { type Envelope, type Message, type Pick, ScriptedChoices, World } from '../../src/kernel/index.ts';
import { gateway } from '../../src/services/gateway.ts';

type Sent = { atMs: number; to: string; msg: Message & Record<string, unknown> };

/** A merchant that sends requests at set times and keeps every answer, against one provider's fake. */
async function talk(
  profile: ProviderProfile,
  script: Sent[],
  picks: Pick[] = [],
  faults: string[] = [],
  horizonMs = 60 * 60_000,
) {
  const world = new World({
    choices: ScriptedChoices.replay(picks),
    faults: faultPolicy(new Set(faults)),
    latencyMs: 10,
    delayOptionsMs: [1000],
    restartAfterMs: 1000,
    stepMs: 2,
    stallOptionsMs: [50],
    horizonMs,
    maxSteps: 10_000,
  });
  const answers: Array<{ atMs: number; msg: Record<string, unknown> }> = [];
  let requestId = 1;
  world.add({
    address: 'pc',
    start() {
      for (const s of script)
        world.setTimer('pc', s.atMs, () => {
          world.send('pc', s.to, { ...s.msg, requestId: requestId++ });
        });
    },
    crash() {},
    deliver(env: Envelope) {
      answers.push({ atMs: world.nowMs, msg: env.msg as unknown as Record<string, unknown> });
    },
  });
  world.add({ address: 'users', start() {}, crash() {}, deliver() {} });
  world.add(gateway(world, profile));
  await world.run();
  const rows = world.store('gateway').snapshot();
  return { answers, rows };
}

const prepay = (atMs: number): Sent => ({
  atMs,
  to: 'gateway',
  msg: { type: 'gateway.prepay', outTradeNo: 'o1.1~1', amount: 100 },
});
const close = (atMs: number): Sent => ({
  atMs,
  to: 'gateway',
  msg: { type: 'gateway.close', outTradeNo: 'o1.1~1' },
});
const pay = (atMs: number): Sent => ({
  atMs,
  to: 'gateway',
  msg: { type: 'user.pay', outTradeNo: 'o1.1~1', userId: 'u1', intentId: 'o1' },
});
const tradeStatus = (rows: Record<string, Record<string, object>>) =>
  (rows.trades?.['o1.1~1'] as { status?: string } | undefined)?.status;
const closes = (answers: Array<{ msg: Record<string, unknown> }>) =>
  answers.filter((a) => a.msg.type === 'gateway.close.result').map((a) => a.msg.code ?? a.msg.result);

describe('WeChat Pay v3, as its documentation describes it', () => {
  it('refuses to close an order within 5 minutes of its creation, and closes it after', async () => {
    const { answers, rows } = await talk(wechat, [prepay(0), close(60_000), close(6 * 60_000)]);
    expect(closes(answers)).toEqual(['TOO_SOON_TO_CLOSE', 'closed']);
    expect(tradeStatus(rows)).toBe('CLOSED');
  });

  it('answers ORDERPAID to a pre-pay for an order already paid', async () => {
    const { answers } = await talk(wechat, [prepay(0), pay(1_000), prepay(2_000)]);
    const prepays = answers
      .filter((a) => a.msg.type === 'gateway.prepay.result')
      .map((a) => a.msg.code ?? 'ok');
    expect(prepays).toEqual(['ok', 'ORDERPAID']);
  });

  it('answers ORDERPAID ("paid") to a close of a paid order', async () => {
    const { answers } = await talk(wechat, [prepay(0), pay(1_000), close(6 * 60_000)]);
    expect(closes(answers)).toEqual(['paid']);
  });

  it('may answer a query with NOTPAY for a few seconds after the payment (the query lag), never later', async () => {
    const query = (atMs: number): Sent => ({
      atMs,
      to: 'gateway',
      msg: { type: 'gateway.query', outTradeNo: 'o1.1~1' },
    });
    const statuses = async (picks: Pick[]) =>
      (await talk(wechat, [prepay(0), pay(1_000), query(3_000), query(9_000)], picks, ['query.lag'])).answers
        .filter((a) => a.msg.type === 'gateway.query.result')
        .map((a) => a.msg.status);
    expect(await statuses([])).toEqual(['SUCCESS', 'SUCCESS']);
    expect(await statuses([{ label: 'query.lag', nth: 0, index: 1 }])).toEqual(['NOTPAY', 'SUCCESS']);
    // Six seconds after the payment the lag is over: the second query is not even asked about.
    await expect(statuses([{ label: 'query.lag', nth: 1, index: 1 }])).resolves.toEqual([
      'SUCCESS',
      'SUCCESS',
    ]);
  });

  it('may answer SYSTEMERROR having executed nothing, or having executed the request', async () => {
    const notExecuted = await talk(
      wechat,
      [prepay(0)],
      [{ label: 'gateway.error', nth: 0, index: 1 }],
      ['gateway.error'],
    );
    expect(notExecuted.answers.map((a) => a.msg.code)).toEqual(['SYSTEMERROR']);
    expect(notExecuted.rows.trades).toBeUndefined();
    const executed = await talk(
      wechat,
      [prepay(0)],
      [{ label: 'gateway.error', nth: 0, index: 2 }],
      ['gateway.error'],
    );
    expect(executed.answers.map((a) => a.msg.code)).toEqual(['SYSTEMERROR']);
    expect(tradeStatus(executed.rows)).toBe('NOTPAY');
  });
});

describe('Alipay, as its documentation describes it', () => {
  it('answers ACQ.TRADE_STATUS_ERROR, not "paid", to a close of a paid trade', async () => {
    const { answers } = await talk(alipay, [prepay(0), pay(1_000), close(2_000)]);
    expect(closes(answers)).toEqual(['status-error']);
  });

  it('notifies TRADE_CLOSED when an unpaid trade expires', async () => {
    const { answers } = await talk(alipay, [prepay(0)], [], [], 3 * 60 * 60_000);
    const notified = answers.filter((a) => a.msg.type === 'gateway.notify');
    expect(notified.map((a) => (a.msg.notification as { status: string }).status)).toEqual(['CLOSED']);
  });

  it('answers TRADE_NOT_EXIST to a close before the buyer acts, and the trade stays payable', async () => {
    const { answers, rows } = await talk(alipay, [prepay(0), close(1_000), pay(2_000)]);
    expect(closes(answers)).toEqual(['not-exist']);
    expect(tradeStatus(rows)).toBe('SUCCESS');
  });
});
