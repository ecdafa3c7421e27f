// The payment provider as a service: one gateway-transaction actor per out_trade_no, created by the
// first pre-pay. Before any actor sees a request, the gateway may fail it on its own
// (`gateway.error`, `query.error`): it answers SYSTEMERROR and either executes nothing (option 1)
// or, as WeChat's error codes warn, executes the request anyway (option 2): an error answer does
// not mean the request failed. The choices the provider makes on its own are asked here too: how a
// delayed payment method ends (`pay.processing`), how a refund ends (`refund.outcome`), and whether
// a slow answer to a callback still counts (`notify.answer.late`).

import { orderIdOf } from '../domain/messages.ts';
import type { TradeRow } from '../domain/rows.ts';
import type { ProviderProfile, RefundState } from '../fakes/providers/provider-profile.ts';
import { type Envelope, MachineHost, type Message, type World } from '../kernel/index.ts';
import { formatTime } from '../kernel/time-format.ts';
import {
  type GatewayTransactionInput,
  gatewayTransactionMachine,
  type Settlement,
} from '../machines/gateway-transaction.machine.ts';

type Incoming = {
  type: string;
  outTradeNo?: string;
  amount?: number;
  intentId?: string;
  requestId?: number;
  notifiedAtMs?: number;
  expiresAfterMs?: number;
};

/** The expiry of a pre-pay that sets none (WeChat and Alipay QR codes: 2 hours). */
const defaultExpiryMs = 2 * 60 * 60_000;

/** How a delayed payment method ends, by option of `pay.processing` (option 0: a card, at once). */
export const settlements: readonly Settlement[] = [
  { outcome: 'succeeds', afterMs: 60_000 },
  { outcome: 'fails', afterMs: 60_000 },
  { outcome: 'succeeds', afterMs: 24 * 60 * 60_000 },
];
/** How a refund ends, by option of `refund.outcome` (option 0: SUCCESS). */
export const refundOutcomes: readonly RefundState[] = ['CLOSED', 'ABNORMAL'];

const resultType: Record<string, string> = {
  'gateway.prepay': 'gateway.prepay.result',
  'gateway.close': 'gateway.close.result',
  'gateway.refund': 'gateway.refund.result',
  'gateway.query': 'gateway.query.result',
};

export function gateway(world: World, profile: ProviderProfile): MachineHost<GatewayTransactionInput> {
  const now = clockOf(world);
  /** Requests executed whose answer is replaced by SYSTEMERROR, by request id. */
  const executedButErrored = new Set<number>();
  return new MachineHost<GatewayTransactionInput>(world, {
    address: 'gateway',
    machine: gatewayTransactionMachine,
    intercept(env, w) {
      if (answeredTooLate(profile, env, w)) return true;
      const type = resultType[env.msg.type];
      if (type === undefined) return false;
      if (answersFromBeforeThePayment(profile, env, w)) return true;
      const label = env.msg.type === 'gateway.query' ? 'query.error' : 'gateway.error';
      const pick = w.choose(label, 3);
      if (pick === 0) return false;
      const msg = env.msg as Incoming;
      if (pick === 2 && msg.requestId !== undefined) {
        w.recordFault(label, `${env.msg.type} is executed, but answered SYSTEMERROR`, env);
        executedButErrored.add(msg.requestId);
        return false;
      }
      w.recordFault(label, `${env.msg.type} answered SYSTEMERROR, not executed`, env);
      w.send('gateway', env.from, {
        type,
        outTradeNo: msg.outTradeNo,
        ok: false,
        code: 'SYSTEMERROR',
        ...echo(msg),
      });
      return true;
    },
    decide(env, w) {
      return decided(profile, env, w);
    },
    answer(msg) {
      const requestId = (msg as Incoming).requestId;
      if (requestId === undefined || !executedButErrored.delete(requestId)) return msg;
      const { type, outTradeNo } = msg as Incoming;
      return { type, outTradeNo, ok: false, code: 'SYSTEMERROR', requestId } as Message;
    },
    route(env) {
      const msg = env.msg as Incoming;
      if (msg.outTradeNo === undefined) return undefined;
      const spawn =
        msg.type === 'gateway.prepay'
          ? {
              outTradeNo: msg.outTradeNo,
              orderId: orderIdOf(msg.outTradeNo),
              amount: msg.amount as number,
              merchant: profile.merchantId,
              profile,
              expiresAfterMs: msg.expiresAfterMs ?? defaultExpiryMs,
              now,
            }
          : undefined;
      return { key: msg.outTradeNo, spawn };
    },
    restore() {
      return [];
    },
    unhandled(env, w) {
      const msg = env.msg as Incoming;
      const outTradeNo = msg.outTradeNo;
      const answer = (reply: { type: string } & Record<string, unknown>) =>
        w.send('gateway', env.from, { ...reply, ...echo(msg) });
      if (msg.type === 'user.pay')
        answer({ type: 'pay.result', outTradeNo, intentId: msg.intentId, ok: false });
      else if (msg.type === 'gateway.query')
        answer({
          type: 'gateway.query.result',
          outTradeNo,
          ok: true,
          status: profile.statusNames.NOT_EXIST,
        });
      else if (msg.type === 'gateway.close')
        answer({
          type: 'gateway.close.result',
          outTradeNo,
          ok: true,
          result: 'not-exist',
        });
      else if (msg.type === 'gateway.bill')
        answer({ type: 'gateway.bill.result', trades: bill(w, profile.statusNames.SUCCESS) });
      else if (msg.type === 'gateway.refund')
        answer({ type: 'gateway.refund.result', outTradeNo, ok: false, code: 'TRADE_NOT_EXIST' });
    },
  });
}

// Module-level, not closures made per run: tsx names each named closure it creates (a cost per run).

/** The world's clock, as a trade reads it (an arrow returned, which tsx does not name per call). */
function clockOf(world: World): () => number {
  return () => world.nowMs;
}

/**
 * The query lag (`query.lag`): shortly after a payment, the provider's query may still answer the
 * status from before it, though the callback is already on its way.
 */
function answersFromBeforeThePayment(profile: ProviderProfile, env: Envelope, w: World): boolean {
  const msg = env.msg as Incoming;
  if (msg.type !== 'gateway.query' || msg.outTradeNo === undefined) return false;
  const row = w.store('gateway').get('trades', msg.outTradeNo) as TradeRow | undefined;
  if (row?.state !== 'SUCCESS' || row.capturedAtMs === undefined || profile.queryLagMs === 0) return false;
  const ageMs = w.nowMs - row.capturedAtMs;
  if (ageMs > profile.queryLagMs || w.choose('query.lag', 2) === 0) return false;
  const status = profile.statusNames[profile.stateBeforeBuyerActs];
  w.recordFault('query.lag', `the query still answers ${status}: the payment is ${ageMs} ms old`, env);
  w.send('gateway', env.from, {
    type: 'gateway.query.result',
    outTradeNo: msg.outTradeNo,
    ok: true,
    status,
    ...echo(msg),
  });
  return true;
}
/**
 * A callback answered too slowly counts as failed, whatever the answer: the provider has closed
 * the connection. Between two limits (sources disagree) it is a choice.
 */
function answeredTooLate(profile: ProviderProfile, env: Envelope, w: World): boolean {
  const sentAtMs = (env.msg as Incoming).notifiedAtMs;
  if (env.msg.type !== 'gateway.notify.ack' || sentAtMs === undefined) return false;
  const tookMs = w.nowMs - sentAtMs;
  const limits = profile.answerWithinMs;
  if (tookMs <= limits[0]) return false;
  const last = limits[limits.length - 1] as number;
  if (tookMs <= last && w.choose('notify.answer.late', 2) === 0) return false;
  w.note(
    'gateway',
    `counts the callback sent at ${formatTime(sentAtMs)} as failed: its answer came ${tookMs} ms later, past the ${tookMs <= last ? limits[0] : last} ms limit`,
    (env.msg as Incoming).outTradeNo,
  );
  return true;
}
/** The provider's own choices, written into the request the trade's actor gets. */
function decided(profile: ProviderProfile, env: Envelope, w: World): Envelope {
  if (env.msg.type === 'user.pay' && profile.asyncPayments) {
    const pick = w.choose('pay.processing', settlements.length + 1);
    const settlement = settlements[pick - 1];
    if (settlement === undefined) return env;
    w.recordFault(
      'pay.processing',
      `a delayed payment method: the payment stays processing, then ${settlement.outcome} after ${settlement.afterMs / 60_000} min`,
      env,
    );
    return { ...env, msg: { ...env.msg, settlement } as Message };
  }
  if (env.msg.type === 'gateway.refund' && profile.refundNames.PROCESSING !== undefined) {
    // Only the outcomes this provider has (Stripe's refunds fail; WeChat's may also be abnormal).
    const possible = refundOutcomes.filter((o) => profile.refundNames[o] !== undefined);
    const outcome = possible[w.choose('refund.outcome', possible.length + 1) - 1];
    if (outcome === undefined) return env;
    w.recordFault('refund.outcome', `a new refund under this number will end ${outcome}`, env);
    return { ...env, msg: { ...env.msg, outcome } as Message };
  }
  return env;
}

/** A reply carries the id of the request it answers, as an HTTP response belongs to its request. */
function echo(msg: Incoming): { requestId?: number } {
  return msg.requestId === undefined ? {} : { requestId: msg.requestId };
}

/** The merchant's bill: every trade that is paid and not refunded in full, with the provider's status. */
function bill(world: World, status: string): Array<{ outTradeNo: string; amount: number; status: string }> {
  return [...world.store('gateway').rows('trades')]
    .map(([, row]) => row as TradeRow)
    .filter((t) => t.state === 'SUCCESS' || t.state === 'FINISHED')
    .map((t) => ({ outTradeNo: t.outTradeNo, amount: t.amount, status }));
}
