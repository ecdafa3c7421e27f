// The business app's (order service's) port, for production code: what an implementation is asked
// to handle, and the clients it is given instead of real ones. `asyncBusinessApp`
// (async-business-app.ts) puts any implementation of this port into the simulated world in place of
// the XState model, under the same faults and checkers.
//
// The flow it takes part in: a user submits an order (`onSubmit`: create it once per submission,
// answer `users.orderCreated` or `users.orderRejected`); the user clicks pay (`onPayRequested`: ask
// `paymentCenter.createPayment`); the payment center answers with a payment (`onPaymentCreated`:
// show the pay page with `users.payReady`); the result comes by MQ or a direct call
// (`onPaymentResult`: record it, ship the order with `warehouse.ship`, and return to acknowledge
// it; throw or crash and it is delivered again). Orders not paid in time are closed: ask
// `paymentCenter.closePayment`, which answers `onPaymentClosed`, or a result if the order was paid
// after all. `paymentCenter.queryPayment` asks for a payment's status (`onPaymentStatus`).

import type { Timing } from '../designs/design.ts';
import type { OrderFact } from '../domain/facts.ts';
import type { ProcessPorts } from './service-ports.ts';

export interface OrderServiceHandlers {
  onSubmit(req: { orderId: string; intentId: string; userId: string; amount: number }): Promise<void>;
  onPayRequested(req: { orderId: string }): Promise<void>;
  onPaymentCreated(res: { orderId: string; outTradeNo: string; prepayId?: string }): Promise<void>;
  onPaymentClosed(res: { orderId: string }): Promise<void>;
  /** `status` in the payment center's words: paying, closing, paid, closed, exception, or none. */
  onPaymentStatus(res: { orderId: string; status: string }): Promise<void>;
  /**
   * Resolving acknowledges the result (MQ ack, or the answer to a direct call). Throwing rejects it:
   * a broker delivery is requeued and comes again at once (nack); a direct call is sent again.
   * `check` lists what your code threw as errors to look at: name a class you throw on purpose to
   * reject (`BusyError`) in the config's `expectedErrors`.
   */
  onPaymentResult(result: { orderId: string; outTradeNo: string; amount: number }): Promise<void>;
  /** Called after every (re)start, with the database as the crash left it. */
  recover(): Promise<void>;
}

/**
 * Redis through the world: each command is a request that may be slow, fail, or lose its reply;
 * one without a reply in time rejects with `RedisUnavailable` (it may still have been applied).
 */
export interface RedisClient {
  get(key: string): Promise<string | null>;
  /** SET, or SET NX (only if absent) with an expiry: 'OK' when set, null when NX found the key. */
  set(key: string, value: string, options?: { nx?: boolean; ttlMs?: number }): Promise<'OK' | null>;
  del(key: string): Promise<void>;
}

/** Requests to the payment center; its answers arrive as handler calls. */
export interface PaymentCenterClient {
  createPayment(orderId: string, amount: number): void;
  closePayment(orderId: string): void;
  queryPayment(orderId: string): void;
}

export interface UsersClient {
  orderCreated(orderId: string, intentId: string): void;
  orderRejected(orderId: string, intentId: string): void;
  payReady(orderId: string, intentId: string, outTradeNo: string): void;
}

/** Ships an order. The same idempotency key is the same shipment; each new key ships again. */
export interface Warehouse {
  ship(orderId: string, idempotencyKey: string): void;
}

/**
 * What an order service gets: its database, timers and clock (`ProcessPorts`), Redis, the payment
 * center, the users and the warehouse, and the design's timing (order timeout, request timeout).
 * `report` tells the checkers about an order in paysim's words (`created`, `closing`, `paid`,
 * `closed`, `exception` with a reason, with its intent and amount); not needed when
 * `asyncBusinessApp(create, { project })` maps its rows to these facts.
 */
export interface OrderServicePorts extends ProcessPorts<OrderFact> {
  readonly redis: RedisClient;
  readonly paymentCenter: PaymentCenterClient;
  readonly users: UsersClient;
  readonly warehouse: Warehouse;
  readonly timing: Readonly<Timing>;
}
