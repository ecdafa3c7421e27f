// Durable rows: what each service keeps in its database, and what checkers read at the end.

export type PaymentStatus = 'paying' | 'closing' | 'paid' | 'closed' | 'exception';

/** The payment center's payment order (table `payments`, key orderId). */
export interface PaymentRow {
  readonly orderId: string;
  readonly amount: number;
  readonly status: PaymentStatus;
  /** Every out_trade_no ever sent to the gateway for this order; the last is current. */
  readonly attempts: readonly string[];
  readonly paidBy?: string;
  readonly reason?: string;
  /** Outbox state of the "paid" result for the business app. */
  readonly outbox?: 'pending' | 'done';
  readonly refundsPending: readonly string[];
  readonly refundsDone: readonly string[];
  /** The refund number in use per trade, where the first was closed by the provider and replaced. */
  readonly refundNumbers?: Readonly<Record<string, string>>;
}

export type OrderStatus = 'created' | 'closing' | 'paid' | 'closed' | 'exception';

/** The business app's order (table `orders`, key orderId). */
export interface OrderRow {
  readonly orderId: string;
  readonly intentId: string;
  readonly user: string;
  readonly amount: number;
  readonly status: OrderStatus;
  readonly reason?: string;
  /** How many times the order was shipped; written with `paid`, in the same row, so a crash cannot split them. */
  readonly shipments: number;
}

export type TradeStatus =
  | 'NOT_EXIST'
  | 'NOTPAY'
  | 'PROCESSING'
  | 'SUCCESS'
  | 'FINISHED'
  | 'CLOSED'
  | 'REFUND';

/** The gateway's trade (table `trades`, key out_trade_no). */
export interface TradeRow {
  readonly outTradeNo: string;
  readonly orderId: string;
  readonly amount: number;
  /** In paysim's words. */
  readonly state: TradeStatus;
  /** In the provider's words (WeChat trade_state, Alipay trade_status, Stripe PaymentIntent status). */
  readonly status: string;
  readonly capturedAtMs?: number;
}
