// An order service written the way a team would, against paysim's order service port only: its own
// tables (`orders`, `submissions`), a Redis key against double submits, a unique row behind it, an
// MQ consumer that ships each paid order once, a close at the order timeout with backoff, and a
// recovery pass at start. It keeps its orders in memory or in PostgreSQL (order-store.ts), the
// same code over either. `plantedBug` switches in one of three mistakes teams make:
//   ships-every-delivery    the consumer ships on every delivery of a result (MQ redelivers)
//   get-then-set            dedupe by GET, then SET, and no unique row behind it
//   release-key-on-timeout  no unique row; when the order's insert times out, the Redis key is
//                           released so the user can retry, though the insert may have committed

import { asyncBusinessApp } from '../src/adapters/async-business-app.ts';
import type { OrderServiceHandlers, OrderServicePorts } from '../src/adapters/business-app-port.ts';
import { DatabaseTimeout, RedisUnavailable } from '../src/adapters/service-ports.ts';
import type { BusinessAppFactory } from '../src/check/simulate.ts';
import {
  type OrderRecord,
  type OrderStore,
  type OrderStoreKind,
  orderFacts,
  orderSql,
  orderStore,
} from './order-store.ts';

export type OrderServiceBug = 'ships-every-delivery' | 'get-then-set' | 'release-key-on-timeout';

export interface SimpleOrderServiceOptions {
  readonly plantedBug?: OrderServiceBug;
  /** Where its orders live: paysim's in-memory tables (the default) or PostgreSQL. */
  readonly store?: OrderStoreKind;
}

const dedupeTtlMs = 10_000;
const queryEveryMs = 60_000;
const queries = 5;
const closeTries = 10;

export class SimpleOrderService implements OrderServiceHandlers {
  /** Only with `ships-every-delivery`: deliveries this process has handled. */
  private deliveries = 0;
  private readonly orders: OrderStore;

  constructor(
    private readonly io: OrderServicePorts,
    private readonly options: SimpleOrderServiceOptions = {},
  ) {
    this.orders = orderStore(options.store ?? 'memory', io);
  }

  async onSubmit(req: { orderId: string; intentId: string; userId: string; amount: number }): Promise<void> {
    const bug = this.options.plantedBug;
    const key = `submit:${req.userId}:${req.intentId}`;
    if (!(await this.claim(key, req.orderId))) return this.io.users.orderRejected(req.orderId, req.intentId);
    const order: OrderRecord = {
      order_no: req.orderId,
      intent_id: req.intentId,
      user_id: req.userId,
      amount: req.amount,
      state: 'CREATED',
      created_at: this.io.now(),
    };
    // The unique row: a second submission of the same intent finds it taken.
    const oncePerSubmission = bug === undefined || bug === 'ships-every-delivery';
    let created: boolean;
    try {
      created = await this.orders.create(order, oncePerSubmission);
    } catch (error) {
      if (!(error instanceof DatabaseTimeout)) throw error;
      if (bug === 'release-key-on-timeout') {
        await this.io.redis.del(key).catch(() => undefined);
        throw error;
      }
      // An unknown outcome: read it back rather than guess.
      if ((await this.load(req.orderId)) === undefined) throw error;
      created = true;
    }
    if (!created) return this.io.users.orderRejected(req.orderId, req.intentId);
    this.io.users.orderCreated(req.orderId, req.intentId);
    this.watch(req.orderId, this.io.timing.orderTimeoutMs);
  }

  async onPayRequested({ orderId }: { orderId: string }): Promise<void> {
    const o = await this.load(orderId);
    if (o?.state === 'CREATED') this.io.paymentCenter.createPayment(orderId, o.amount);
  }

  async onPaymentCreated(res: { orderId: string; outTradeNo: string }): Promise<void> {
    const o = await this.load(res.orderId);
    if (o?.state === 'CREATED') this.io.users.payReady(res.orderId, o.intent_id, res.outTradeNo);
  }

  async onPaymentClosed({ orderId }: { orderId: string }): Promise<void> {
    for (;;) {
      const o = await this.load(orderId);
      if (o === undefined || (o.state !== 'CREATED' && o.state !== 'CLOSING')) return;
      if (await this.orders.update(orderId, { state: 'CLOSED', note: o.note }, o.state)) return;
    }
  }

  async onPaymentStatus(res: { orderId: string; status: string }): Promise<void> {
    if (res.status === 'paid') await this.recordPaid(res.orderId);
  }

  async onPaymentResult(result: { orderId: string }): Promise<void> {
    if (this.options.plantedBug === 'ships-every-delivery') {
      const o = await this.load(result.orderId);
      if (o === undefined) return;
      await this.orders.update(result.orderId, { state: 'PAID', note: o.note });
      this.io.warehouse.ship(result.orderId, `delivery-${++this.deliveries}`);
      return;
    }
    await this.recordPaid(result.orderId);
  }

  async recover(): Promise<void> {
    for (const o of await this.orders.all()) {
      const orderId = o.order_no;
      if (o.state === 'CREATED')
        this.watch(orderId, Math.max(0, o.created_at + this.io.timing.orderTimeoutMs - this.io.now()));
      if (o.state === 'CLOSING') this.io.background(() => this.close(orderId, 1));
      // Shipping is idempotent by order: a crash between paid and the shipment ships it now, once.
      if (o.state === 'PAID') this.io.warehouse.ship(orderId, orderId);
    }
  }

  /** The Redis key for a submission: SET NX, or (planted) GET then SET. Redis down: fail open. */
  private async claim(key: string, orderId: string): Promise<boolean> {
    try {
      if (this.options.plantedBug === 'get-then-set') {
        if ((await this.io.redis.get(key)) !== null) return false;
        await this.io.redis.set(key, orderId, { ttlMs: dedupeTtlMs });
        return true;
      }
      return (await this.io.redis.set(key, orderId, { nx: true, ttlMs: dedupeTtlMs })) === 'OK';
    } catch (error) {
      if (error instanceof RedisUnavailable) return true;
      throw error;
    }
  }

  /** Paid: recorded once by a guarded update, then shipped, once (the shipment's key is the order). */
  private async recordPaid(orderId: string): Promise<void> {
    for (;;) {
      const o = await this.load(orderId);
      if (o === undefined) return;
      // Already paid: make sure it shipped (the warehouse dedupes by key), as a timeout after the
      // update's commit may have cut the last handler short.
      if (o.state === 'PAID') return this.io.warehouse.ship(orderId, orderId);
      if (await this.orders.update(orderId, { state: 'PAID', note: undefined }, o.state)) {
        this.io.warehouse.ship(orderId, orderId);
        return;
      }
    }
  }

  /** The order's timers: ask the payment center now and then, and close it when its time is up. */
  private watch(orderId: string, closeInMs: number): void {
    for (let n = 1; n <= queries && n * queryEveryMs < closeInMs; n++)
      this.io.after(n * queryEveryMs, async () => {
        if ((await this.load(orderId))?.state === 'CREATED') this.io.paymentCenter.queryPayment(orderId);
      });
    this.io.after(closeInMs, () => this.close(orderId, 1));
  }

  /** Close an unpaid order: ask the payment center, again with backoff, until it answers. */
  private async close(orderId: string, attempt: number): Promise<void> {
    const o = await this.load(orderId);
    if (o === undefined || (o.state !== 'CREATED' && o.state !== 'CLOSING')) return;
    if (attempt > closeTries) {
      const note = 'the payment center never confirmed the close';
      await this.orders.update(orderId, { state: 'STUCK', note }, o.state);
      return;
    }
    // The next try is set before this one writes: a write that fails must not end the loop.
    const { requestTimeoutMs, closeRetryMaxMs } = this.io.timing;
    const waitMs = Math.min(
      requestTimeoutMs * 2 ** (attempt - 1),
      Math.max(requestTimeoutMs, closeRetryMaxMs),
    );
    this.io.after(waitMs, () => this.close(orderId, attempt + 1));
    if (o.state === 'CREATED') {
      // Another handler moved it (paid, say): the next try reads what it is now.
      if (!(await this.orders.update(orderId, { state: 'CLOSING', note: o.note }, 'CREATED'))) return;
    }
    this.io.paymentCenter.closePayment(orderId);
  }

  private load(orderId: string): Promise<OrderRecord | undefined> {
    return this.orders.load(orderId);
  }
}

/** The service as paysim checks it: `assertHolds({ businessApp: orderService({ store: 'sql' }) })`. */
export function orderService(options: SimpleOrderServiceOptions = {}): BusinessAppFactory {
  return asyncBusinessApp(
    (ports) => new SimpleOrderService(ports, options),
    options.store === 'sql' ? { sql: orderSql } : { project: orderFacts },
  );
}
