// The messages that cross service boundaries, named for what happened in the domain's words.
// Every gateway-bound request carries its out_trade_no, the provider's idempotency key.

/** A trade status as the provider names it on the wire (see the profile's `statusNames`). */
export type GatewayStatus = string;

/** How a close is answered: closed, paid (WeChat ORDERPAID), no such trade, or Alipay's TRADE_STATUS_ERROR. */
export type CloseResult = 'closed' | 'paid' | 'not-exist' | 'status-error';

/** The provider's own signed callback fields (WeChat Pay v3, Alipay notify, Stripe event), reduced to what matters; `status` in the provider's words. */
export interface Notification {
  readonly outTradeNo: string;
  readonly amount: number;
  readonly merchant: string;
  readonly status: GatewayStatus;
  readonly timestampMs: number;
  readonly nonce: string;
  readonly signature: string;
}

/** The address every payment message is routed by. */
export function orderIdOf(outTradeNo: string): string {
  const cut = outTradeNo.lastIndexOf('~');
  return cut < 0 ? outTradeNo : outTradeNo.slice(0, cut);
}

export function outTradeNoFor(orderId: string, attempt: number): string {
  return `${orderId}~${attempt}`;
}
