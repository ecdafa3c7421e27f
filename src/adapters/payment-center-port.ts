// The payment center's port, for production code: what an implementation is asked to handle, and
// the dependencies it is given instead of real HTTP clients, a database, a broker and timers.
// `asyncPaymentCenter` (async-payment-center.ts) puts any implementation of this port into the
// simulated world in place of the XState model, under the same faults and checkers.

import type { PaymentFact } from '../domain/facts.ts';
import type { CloseResult, Notification } from '../domain/messages.ts';
import type { RefundState, TradeState } from '../fakes/providers/provider-profile.ts';

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

export interface BusinessAppClient {
  paymentCreated(orderId: string, outTradeNo: string, prepayId?: string): void;
  paymentClosed(orderId: string): void;
  paymentStatus(orderId: string, status: string): void;
  /** Forwards a success by the design's channel (direct call or MQ); true once acknowledged. */
  publishResult(orderId: string, outTradeNo: string, amount: number): Promise<boolean>;
}

/**
 * The service's database, shared by every instance and surviving a crash. Every call is an await:
 * other handlers may run before it returns (so read, await, write can race), and every write is a
 * point where the process may die.
 */
export interface Database {
  get<T>(table: string, key: string): Promise<T | undefined>;
  /** INSERT or plain UPDATE: writes the row whatever is there now. */
  put(table: string, key: string, row: object): Promise<void>;
  /**
   * UPDATE … WHERE: writes the row only if the stored row has every field of `where` with an equal
   * value (compared deeply, e.g. `{ status: 'paying' }` or `{ refundsPending: [] }`); false when it
   * matched no row, as when another handler got there first. Rows are copies both ways.
   */
  update(table: string, key: string, row: object, where: Record<string, unknown>): Promise<boolean>;
  rows<T>(table: string): Promise<Array<[string, T]>>;
}

export interface PaymentCenterPorts {
  readonly gateway: GatewayClient;
  readonly businessApp: BusinessAppClient;
  readonly db: Database;
  /** Runs `fn` after `ms` of virtual time, unless the process dies first. */
  after(ms: number, fn: () => void): void;
  sleep(ms: number): Promise<void>;
  /**
   * Tells the checkers what this payment center now holds about an order's payment, in paysim's
   * words (`paying`, `closing`, `paid` with the trade that paid, `closed`, `exception` with a
   * reason). Not needed when the writes already say it: `asyncPaymentCenter(create, { project })`
   * maps your rows to these facts (the default reads a `payments` table in this shape). Report
   * right after the write that made it true: a crash between the two loses the report.
   */
  report(fact: PaymentFact): void;
  /** Starts work that outlives the current request (a forward loop, a refund); a crash ends it. */
  background(task: () => Promise<void>): void;
  now(): number;
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
}

export interface PaymentCenterHandlers {
  onCreatePayment(req: { orderId: string; amount: number }): Promise<void>;
  onClose(req: { orderId: string }): Promise<void>;
  onQuery(req: { orderId: string }): Promise<void>;
  /** Answers the gateway's callback: the HTTP status and body to reply with. */
  onNotify(notification: Notification): Promise<{ httpStatus: number; body: string }>;
  /** Called after every (re)start, with the database as the crash left it. */
  recover(): Promise<void>;
}
