// The payment center's port, for production code: what an implementation is asked to handle, and
// the dependencies it is given instead of real HTTP clients, a database, a broker and timers.
// `asyncPaymentCenter` (async-payment-center.ts) puts any implementation of this port into the
// simulated world in place of the XState model, under the same faults and checkers.

import type { Timing } from '../designs/design.ts';
import type { PaymentFact } from '../domain/facts.ts';
import type { CloseResult, Notification } from '../domain/messages.ts';
import type { RefundState, TradeState } from '../fakes/providers/provider-profile.ts';
import type { ProcessPorts } from './service-ports.ts';

export interface GatewayClient {
  /** Each call resolves with the gateway's answer, or `{ ok: false }` on an error or a timeout. */
  prepay(outTradeNo: string, amount: number): Promise<{ ok: boolean; prepayId?: string }>;
  query(outTradeNo: string): Promise<{ ok: boolean; status?: string }>;
  /**
   * `paid`: WeChat's ORDERPAID, treat it as paid. `status-error`: Alipay's ACQ.TRADE_STATUS_ERROR,
   * the trade is not waiting for payment, which does not say it was paid: query it.
   */
  close(outTradeNo: string): Promise<{ ok: boolean; result?: CloseResult }>;
  /**
   * Asks for a refund under `refundNo` (the same number is the same refund). `status` is the
   * refund's state in the provider's words (`provider.refundState` reads it): WeChat answers
   * PROCESSING and settles later, so ask again with the same number until SUCCESS; CLOSED means no
   * money went back and a new number is needed; ABNORMAL is re-submitted under the same number.
   * `code` says why a refund was refused (nothing captured, nothing left to refund, too late).
   */
  refund(
    outTradeNo: string,
    refundNo: string,
    amount: number,
  ): Promise<{ ok: boolean; status?: string; code?: string }>;
}

/** What `onQuery` may answer (`businessApp.paymentStatus`). */
export const paymentStatusAnswers = ['paying', 'closing', 'paid', 'closed', 'exception', 'none'] as const;
export type PaymentStatusAnswer = (typeof paymentStatusAnswers)[number];

/** The answers the business app (order service) waits for; each one goes out as a message. */
export interface BusinessAppClient {
  /**
   * The answer to `onCreatePayment`: the payment is open under `outTradeNo` (the trade the gateway
   * knows it by), so the shopper can pay. Without it the business app times out and may close.
   */
  paymentCreated(orderId: string, outTradeNo: string, prepayId?: string): void;
  /** The answer to `onClose`: nothing can be paid for this order any more (also for an unknown order). */
  paymentClosed(orderId: string): void;
  /**
   * The answer to `onQuery`, in paysim's words: `paying`, `closing`, `paid`, `closed`, `exception`,
   * or `none` for an order it holds no payment for (map a provider's own, such as `succeeded`).
   */
  paymentStatus(orderId: string, status: string): void;
  /** Forwards a success by the design's channel (direct call or MQ); true once acknowledged. */
  publishResult(orderId: string, outTradeNo: string, amount: number): Promise<boolean>;
}

/**
 * What a payment center gets: its database, timers and clock (`ProcessPorts`), the gateway and the
 * business app. `report` tells the checkers what it holds about an order's payment, in paysim's words
 * (`paying`, `closing`, `paid` with the trade that paid, `closed`, `exception` with a reason); not
 * needed when `asyncPaymentCenter(create, { project })` maps its rows to these facts (the default
 * reads a `payments` table in this shape).
 */
export interface PaymentCenterPorts extends ProcessPorts<PaymentFact> {
  readonly gateway: GatewayClient;
  readonly businessApp: BusinessAppClient;
  /** The provider's key for verifying callbacks, and the merchant id and time tolerance to check. */
  readonly provider: {
    verify(n: Notification): boolean;
    merchantId: string;
    timestampToleranceMs: number;
    ackReply: { httpStatus: number; body: string };
    /** A trade status or callback status in the provider's words, in paysim's (SUCCESS and FINISHED mean paid). */
    tradeState(status: string): TradeState | undefined;
    /** A refund status in the provider's words, in paysim's. */
    refundState(status: string | undefined): RefundState | undefined;
  };
  /** The design's timing: the order timeout, the request timeout, how long a gateway order lives. */
  readonly timing: Readonly<Timing>;
}

/**
 * What the payment center is asked to do. Requests from the business app are answered through
 * `ports.businessApp` (a message, not a return value), as a service answers over a queue or a
 * callback URL; each may come twice, late, or after a crash. Name each attempt to pay (a trade,
 * `outTradeNo`) `${orderId}~${attempt}`: the simulated gateway and the checkers read the order back
 * from before the last `~`, so captures and refunds add up per order.
 */
export interface PaymentCenterHandlers {
  /** Opens a payment (pre-pays at the gateway), then answers `businessApp.paymentCreated`. */
  onCreatePayment(req: { orderId: string; amount: number }): Promise<void>;
  /**
   * Closes the order's payment if nothing was paid (close the trade first), then answers
   * `businessApp.paymentClosed`. If it was paid after all, forward the payment instead.
   */
  onClose(req: { orderId: string }): Promise<void>;
  /** Answers `businessApp.paymentStatus` with what it holds about the order's payment. */
  onQuery(req: { orderId: string }): Promise<void>;
  /**
   * Answers the gateway's callback: the HTTP status and body to reply with (`ports.provider.ackReply`
   * to acknowledge; anything else makes the gateway notify again). A callback names the trade
   * (`notification.outTradeNo`), not the order: map it back the way you built it. Forward a payment
   * to the business app with `businessApp.publishResult`.
   */
  onNotify(notification: Notification): Promise<{ httpStatus: number; body: string }>;
  /** Called after every (re)start, with the database as the crash left it. */
  recover(): Promise<void>;
}

export type { Database } from './service-ports.ts';
