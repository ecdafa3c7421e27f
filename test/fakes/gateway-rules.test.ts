import { describe, expect, it } from 'vitest';
import { alipay } from '../../src/fakes/providers/alipay.profile.ts';
import type { ProviderProfile } from '../../src/fakes/providers/provider-profile.ts';
import { stripe } from '../../src/fakes/providers/stripe.profile.ts';
import { wechat } from '../../src/fakes/providers/wechat.profile.ts';
import { delayOptionsMs, faultPolicy } from '../../src/faults/catalogue.ts';
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
    delayOptionsMs,
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
  (rows.trades?.['o1.1~1'] as { state?: string } | undefined)?.state;
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
    expect(closes(answers)).toEqual(['ORDERPAID']);
    expect(answers.find((a) => a.msg.type === 'gateway.close.result')?.msg.result).toBe('paid');
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
    expect(closes(answers)).toEqual(['ACQ.TRADE_STATUS_ERROR']);
    expect(answers.find((a) => a.msg.type === 'gateway.close.result')?.msg.result).toBe('status-error');
  });

  it('notifies TRADE_CLOSED when a scanned, unpaid trade expires; a trade never scanned never existed', async () => {
    const scan: Sent = { atMs: 1_000, to: 'gateway', msg: { type: 'user.scan', outTradeNo: 'o1.1~1' } };
    const closedNotices = async (script: Sent[]) =>
      (await talk(alipay, script, [], [], 3 * 60 * 60_000)).answers
        .filter((a) => a.msg.type === 'gateway.notify')
        .map((a) => (a.msg.notification as { status: string }).status);
    expect(await closedNotices([prepay(0), scan])).toEqual(['TRADE_CLOSED']);
    expect(await closedNotices([prepay(0)])).toEqual([]);
  });

  it('answers TRADE_NOT_EXIST to a close before the buyer acts, and the trade stays payable', async () => {
    const { answers, rows } = await talk(alipay, [prepay(0), close(1_000), pay(2_000)]);
    expect(closes(answers)).toEqual(['not-exist']);
    expect(tradeStatus(rows)).toBe('SUCCESS');
  });
});

const refund = (atMs: number, refundNo: string, amount = 100): Sent => ({
  atMs,
  to: 'gateway',
  msg: { type: 'gateway.refund', outTradeNo: 'o1.1~1', refundNo, amount },
});
const query = (atMs: number): Sent => ({
  atMs,
  to: 'gateway',
  msg: { type: 'gateway.query', outTradeNo: 'o1.1~1' },
});
const refundAnswers = (answers: Array<{ msg: Record<string, unknown> }>) =>
  answers
    .filter((a) => a.msg.type === 'gateway.refund.result' || a.msg.type === 'gateway.refund.notify')
    .map(
      (a) =>
        `${a.msg.type === 'gateway.refund.notify' ? 'notify ' : ''}${a.msg.refundNo} ${a.msg.code ?? a.msg.status}`,
    );
/** When the first callback of a paid trade is sent. */
async function firstCallbackAt(profile: ProviderProfile): Promise<number> {
  const { answers } = await talk(profile, [prepay(0), pay(1_000)]);
  const first = answers.find((a) => a.msg.type === 'gateway.notify')?.msg.notification;
  expect(first).toBeDefined();
  return (first as { timestampMs: number }).timestampMs;
}
const refunded = (rows: Record<string, Record<string, object>>) =>
  Object.values(rows.refunds ?? {}).reduce((sum, r) => sum + (r as { amount: number }).amount, 0);

describe('the expiry the merchant sets (time_expire)', () => {
  it('keeps an unpaid order NOTPAY until it expires, then CLOSED', async () => {
    const expiring: Sent = { atMs: 0, to: 'gateway', msg: { ...prepay(0).msg, expiresAfterMs: 10 * 60_000 } };
    const { answers } = await talk(wechat, [expiring, query(9 * 60_000), query(11 * 60_000)]);
    expect(answers.filter((a) => a.msg.type === 'gateway.query.result').map((a) => a.msg.status)).toEqual([
      'NOTPAY',
      'CLOSED',
    ]);
  });
});

describe('WeChat Pay v3 refunds', () => {
  it('are PROCESSING, then SUCCESS with a refund callback; the money moves at SUCCESS', async () => {
    const { answers, rows } = await talk(wechat, [
      prepay(0),
      pay(1_000),
      refund(2_000, 'r1'),
      refund(30_000, 'r1'),
    ]);
    expect(refundAnswers(answers)).toEqual(['r1 PROCESSING', 'r1 PROCESSING', 'notify r1 SUCCESS']);
    expect(refunded(rows)).toBe(100);
    expect(tradeStatus(rows)).toBe('REFUND');
  });

  it('are idempotent by out_refund_no; a new number refunds again, up to the amount', async () => {
    const { answers, rows } = await talk(wechat, [
      prepay(0),
      pay(1_000),
      refund(2_000, 'r1', 40),
      refund(3_000, 'r1', 40),
      refund(4_000, 'r2', 40),
      refund(5_000, 'r3', 40),
    ]);
    expect(refundAnswers(answers).slice(0, 4)).toEqual([
      'r1 PROCESSING',
      'r1 PROCESSING',
      'r2 PROCESSING',
      'r3 REFUND_AMOUNT_EXCEEDS_REFUNDABLE',
    ]);
    // Two partial refunds under two numbers: 80 back; the repeat of r1 refunded nothing more.
    expect(refunded(rows)).toBe(80);
    expect(tradeStatus(rows)).toBe('SUCCESS');
  });

  it('may end CLOSED (no money back; a new number may refund) or ABNORMAL (re-submitted under its number)', async () => {
    const closed = await talk(
      wechat,
      [prepay(0), pay(1_000), refund(2_000, 'r1'), refund(90_000, 'r1'), refund(91_000, 'r2')],
      [{ label: 'refund.outcome', nth: 0, index: 1 }],
      ['refund.outcome'],
    );
    expect(refundAnswers(closed.answers)).toEqual([
      'r1 PROCESSING',
      'notify r1 CLOSED',
      'r1 CLOSED',
      'r2 PROCESSING',
      'notify r2 SUCCESS',
    ]);
    expect(refunded(closed.rows)).toBe(100);
    const abnormal = await talk(
      wechat,
      [prepay(0), pay(1_000), refund(2_000, 'r1'), refund(90_000, 'r2'), refund(91_000, 'r1')],
      [{ label: 'refund.outcome', nth: 0, index: 2 }],
      ['refund.outcome'],
    );
    expect(refundAnswers(abnormal.answers)).toEqual([
      'r1 PROCESSING',
      'notify r1 ABNORMAL',
      'r2 REFUND_AMOUNT_EXCEEDS_REFUNDABLE',
      'r1 PROCESSING',
      'notify r1 SUCCESS',
    ]);
    expect(refunded(abnormal.rows)).toBe(100);
  });

  it('counts a callback answered after 5 s as failed, and notifies again', async () => {
    const notifiedAtMs = await firstCallbackAt(wechat);
    const ack = (atMs: number): Sent => ({
      atMs,
      to: 'gateway',
      msg: { type: 'gateway.notify.ack', outTradeNo: 'o1.1~1', httpStatus: 204, body: '', notifiedAtMs },
    });
    const notifies = async (ackAtMs: number) =>
      (await talk(wechat, [prepay(0), pay(1_000), ack(ackAtMs)])).answers.filter(
        (a) => a.msg.type === 'gateway.notify',
      ).length;
    expect(await notifies(notifiedAtMs + 4_000)).toBe(1);
    expect(await notifies(notifiedAtMs + 6_000)).toBeGreaterThan(1);
  });

  it('refuses a pre-pay that reuses the out_trade_no with another amount', async () => {
    const other: Sent = { atMs: 1_000, to: 'gateway', msg: { ...prepay(0).msg, amount: 99 } };
    const { answers } = await talk(wechat, [prepay(0), other]);
    expect(answers.map((a) => a.msg.code ?? 'ok')).toEqual(['ok', 'OUT_TRADE_NO_USED']);
  });
});

describe('Alipay trade statuses and refunds', () => {
  it('names its statuses WAIT_BUYER_PAY, TRADE_SUCCESS, and TRADE_CLOSED after a full refund, which it notifies', async () => {
    const { answers } = await talk(alipay, [
      prepay(0),
      pay(1_000),
      query(2_000),
      refund(3_000, 'r1'),
      query(4_000),
    ]);
    expect(answers.filter((a) => a.msg.type === 'gateway.query.result').map((a) => a.msg.status)).toEqual([
      'TRADE_SUCCESS',
      'TRADE_CLOSED',
    ]);
    expect(refundAnswers(answers)).toEqual(['r1 fund_change=Y']);
    const statuses = answers
      .filter((a) => a.msg.type === 'gateway.notify')
      .map((a) => (a.msg.notification as { status: string }).status);
    expect(statuses[0]).toBe('TRADE_SUCCESS');
    expect(statuses.at(-1)).toBe('TRADE_CLOSED');
  });

  it('finishes a paid trade after the refund window: TRADE_FINISHED, notified, and no refund any more', async () => {
    const day = 24 * 60 * 60_000;
    const { answers, rows } = await talk(
      alipay,
      [prepay(0), pay(1_000), refund(91 * day, 'r1'), query(91 * day + 1_000)],
      [],
      [],
      92 * day,
    );
    expect(refundAnswers(answers)).toEqual(['r1 ACQ.TRADE_HAS_FINISHED']);
    expect(answers.find((a) => a.msg.type === 'gateway.query.result')?.msg.status).toBe('TRADE_FINISHED');
    expect(
      answers.some(
        (a) =>
          a.msg.type === 'gateway.notify' &&
          (a.msg.notification as { status: string }).status === 'TRADE_FINISHED',
      ),
    ).toBe(true);
    expect(refunded(rows)).toBe(0);
  });
});

describe('Stripe PaymentIntents, as its documentation describes them', () => {
  it('names statuses requires_payment_method, succeeded, canceled; cancel of a succeeded intent fails', async () => {
    const unpaid = await talk(stripe, [prepay(0), query(1_000), close(2_000), query(3_000)]);
    expect(
      unpaid.answers.filter((a) => a.msg.type === 'gateway.query.result').map((a) => a.msg.status),
    ).toEqual(['requires_payment_method', 'canceled']);
    const paid = await talk(stripe, [prepay(0), pay(1_000), close(2_000), query(3_000)]);
    expect(closes(paid.answers)).toEqual(['payment_intent_unexpected_state']);
    expect(paid.answers.find((a) => a.msg.type === 'gateway.query.result')?.msg.status).toBe('succeeded');
  });

  it('answers idempotency_error to the same key with other parameters', async () => {
    const other: Sent = { atMs: 1_000, to: 'gateway', msg: { ...prepay(0).msg, amount: 99 } };
    const { answers } = await talk(stripe, [prepay(0), prepay(500), other]);
    expect(answers.map((a) => a.msg.code ?? a.msg.prepayId)).toEqual([
      'prepay-o1.1~1',
      'prepay-o1.1~1',
      'idempotency_error',
    ]);
  });

  it('may keep a payment processing, then succeed or fail; its events may arrive out of order', async () => {
    // Each event type in the order it first arrived (the success event is retried until acked).
    const events = async (picks: Pick[], faults: string[]) => [
      ...new Set(
        (await talk(stripe, [prepay(0), pay(1_000)], picks, faults)).answers
          .filter((a) => a.msg.type === 'gateway.notify')
          .map((a) => (a.msg.notification as { status: string }).status),
      ),
    ];
    const processing = { label: 'pay.processing', nth: 0, index: 1 };
    expect(await events([processing], ['pay.processing'])).toEqual([
      'payment_intent.processing',
      'payment_intent.succeeded',
    ]);
    expect(await events([{ ...processing, index: 2 }], ['pay.processing'])).toEqual([
      'payment_intent.processing',
      'payment_intent.payment_failed',
    ]);
    // The processing event delayed by 6 minutes (a retry, a slow endpoint) comes after the success.
    expect(
      await events(
        [processing, { label: 'notify.delayed', nth: 0, index: 3 }],
        ['pay.processing', 'notify.delayed'],
      ),
    ).toEqual(['payment_intent.succeeded', 'payment_intent.processing']);
  });

  it('counts a webhook answered within 3 s, not one after 30 s, and between them it is a choice', async () => {
    const notifiedAtMs = await firstCallbackAt(stripe);
    const ack = (atMs: number): Sent => ({
      atMs,
      to: 'gateway',
      msg: { type: 'gateway.notify.ack', outTradeNo: 'o1.1~1', httpStatus: 200, body: '', notifiedAtMs },
    });
    const notifies = async (ackAtMs: number, picks: Pick[] = []) =>
      (
        await talk(stripe, [prepay(0), pay(1_000), ack(ackAtMs)], picks, ['notify.answer.late'])
      ).answers.filter((a) => a.msg.type === 'gateway.notify').length;
    expect(await notifies(notifiedAtMs + 2_000)).toBe(1);
    expect(await notifies(notifiedAtMs + 10_000)).toBe(1);
    expect(
      await notifies(notifiedAtMs + 10_000, [{ label: 'notify.answer.late', nth: 0, index: 1 }]),
    ).toBeGreaterThan(1);
    expect(await notifies(notifiedAtMs + 31_000)).toBeGreaterThan(1);
  });
});
