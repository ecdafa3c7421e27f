// Puts an implementation of the payment center port (payment-center-port.ts) where the model would
// be: requests from the business app and the gateway's callbacks reach its handlers; its gateway
// calls are requests through the world, answered or timed out; its results go to the business app
// by the design's channel (MQ with publisher confirms, or a direct call acknowledged).

import type { PaymentCenterFactory } from '../check/simulate.ts';
import type { Design } from '../designs/design.ts';
import { type PaymentFact, type Projection, paymentFactOf } from '../domain/facts.ts';
import { type Notification, orderIdOf } from '../domain/messages.ts';
import { type ProviderProfile, refundStateOf, stateOf } from '../fakes/providers/provider-profile.ts';
import { signatureValid } from '../fakes/signature.ts';
import type { Envelope, Message, World } from '../kernel/index.ts';
import { AsyncService, type Incarnation, type Incoming } from './async-service.ts';
import { refuseUnknownAdapterOptions } from './known-options.ts';
import {
  type PaymentCenterHandlers,
  type PaymentCenterPorts,
  type PaymentStatusAnswer,
  paymentStatusAnswers,
} from './payment-center-port.ts';
import { ContractError } from './service-ports.ts';
import type { SqlOptions } from './sql-port.ts';

export { DatabaseTimeout, ProcessCrashed } from './service-ports.ts';

export class AsyncPaymentCenter extends AsyncService<PaymentCenterHandlers, PaymentCenterPorts> {
  constructor(
    world: World,
    design: Design,
    private readonly profile: ProviderProfile,
    create: (ports: PaymentCenterPorts) => PaymentCenterHandlers,
    project: Projection,
    sql: SqlOptions | undefined,
  ) {
    super(world, design, 'pc', create, project, sql);
  }

  protected readonly handlerNames = ['onCreatePayment', 'onClose', 'onQuery', 'onNotify', 'recover'] as const;
  /** The orders this payment center was asked to take a payment for: a trade must name one of them. */
  private readonly ordersAsked = new Set<string>();

  protected handle(env: Envelope, h: PaymentCenterHandlers, self: Incarnation): boolean {
    const msg = env.msg as Incoming;
    const orderId = msg.orderId as string;
    switch (msg.type) {
      case 'payment.create':
        this.ordersAsked.add(orderId);
        this.run(
          () => h.onCreatePayment({ orderId, amount: msg.amount as number }),
          'onCreatePayment',
          orderId,
        );
        return true;
      case 'payment.close':
        this.run(() => h.onClose({ orderId }), 'onClose', orderId);
        return true;
      case 'payment.query':
        this.run(() => h.onQuery({ orderId }), 'onQuery', orderId);
        return true;
      case 'gateway.notify': {
        const n = msg.notification as Notification;
        this.run(
          async () => {
            const reply = this.checkNotifyReply(await h.onNotify(n));
            // The gateway times the answer from when it sent the callback (WeChat: 5 s).
            this.send(self, env.from, {
              type: 'gateway.notify.ack',
              outTradeNo: n.outTradeNo,
              notifiedAtMs: n.timestampMs,
              httpStatus: reply.httpStatus,
              body: reply.body,
            });
          },
          'onNotify',
          n.outTradeNo,
        );
        return true;
      }
      default:
        return false;
    }
  }

  /** What the gateway reads of a callback's answer; any other shape would be taken as a failure it retries. */
  private checkNotifyReply(reply: unknown): { httpStatus: number; body: string } {
    const r = reply as { httpStatus?: unknown; body?: unknown } | undefined;
    const status = r?.httpStatus;
    if (
      typeof r === 'object' &&
      r !== null &&
      Number.isInteger(status) &&
      (status as number) >= 100 &&
      (status as number) <= 599 &&
      typeof r.body === 'string'
    )
      return r as { httpStatus: number; body: string };
    return this.refuse(
      `your payment center's onNotify returned ${JSON.stringify(reply) ?? 'undefined'}: expected { httpStatus: number, body: string } with an HTTP status from 100 to 599, the answer the gateway gets (ports.provider.ackReply acknowledges the callback)`,
    );
  }

  /** An answer to onQuery in paysim's words: a provider's own (`succeeded`) would be read as not paid. */
  private checkStatusAnswer(orderId: unknown, status: unknown): void {
    if (paymentStatusAnswers.includes(status as PaymentStatusAnswer)) return;
    this.refuse(
      `your payment center's businessApp.paymentStatus(${JSON.stringify(orderId)}, ${JSON.stringify(status) ?? 'undefined'}): expected one of ${paymentStatusAnswers.join(', ')} (paysim's words, none for an order it holds no payment for; map a provider's own, such as succeeded, to these)`,
    );
  }

  /** Stops the check: a mistake in how the service uses the port, not a finding about the design. */
  private refuse(message: string): never {
    const error = new ContractError(message);
    this.breach(error);
    throw error;
  }

  /**
   * The simulated gateway and the checkers read the order back from a trade number (before its
   * last `~`): one built otherwise would be told as a design that charges for no order.
   */
  private checkTradeNo(outTradeNo: unknown): void {
    if (
      typeof outTradeNo === 'string' &&
      this.ordersAsked.has(orderIdOf(outTradeNo)) &&
      outTradeNo.includes('~')
    )
      return;
    this.refuse(
      `your payment center's gateway.prepay(${JSON.stringify(outTradeNo)}): an out_trade_no must be the order id, ~ and the attempt (${[...this.ordersAsked][0] ?? 'o1.1'}~1), for an order it was asked to take a payment for: paysim reads the order back from it; map your own trade numbers to this form in the port`,
    );
  }

  protected ports(self: Incarnation): PaymentCenterPorts {
    const profile = this.profile;
    const failed = { ok: false };
    const call = <T>(msg: Message & Record<string, unknown>) =>
      this.request<T>(self, 'gateway', (requestId) => ({ ...msg, requestId }), failed as T);
    const tell = (msg: Message & Record<string, unknown>) => this.send(self, 'app', msg);
    return {
      ...this.processPorts<PaymentFact>(self, 'payment'),
      gateway: {
        prepay: (outTradeNo, amount) => {
          this.checkTradeNo(outTradeNo);
          return call({
            type: 'gateway.prepay',
            outTradeNo,
            amount,
            expiresAfterMs: this.design.timing.tradeExpiresAfterMs,
          });
        },
        query: (outTradeNo) => call({ type: 'gateway.query', outTradeNo }),
        close: (outTradeNo) => call({ type: 'gateway.close', outTradeNo }),
        refund: (outTradeNo, refundNo, amount) =>
          call({ type: 'gateway.refund', outTradeNo, refundNo, amount }),
      },
      businessApp: {
        paymentCreated: (orderId, outTradeNo, prepayId) =>
          tell({ type: 'payment.created', orderId, outTradeNo, prepayId }),
        paymentClosed: (orderId) => tell({ type: 'payment.closed', orderId }),
        paymentStatus: (orderId, status) => {
          this.checkStatusAnswer(orderId, status);
          tell({ type: 'payment.status', orderId, status });
        },
        publishResult: async (orderId, outTradeNo, amount) => {
          const result = { type: 'payment.succeeded', orderId, outTradeNo, amount };
          const reply =
            this.design.forwarding === 'mq'
              ? await this.request<Incoming | false>(
                  self,
                  'mq',
                  (requestId) => ({
                    type: 'mq.publish',
                    messageId: `${orderId}/paid`,
                    to: 'app',
                    payload: result,
                    requestId,
                  }),
                  false,
                )
              : await this.request<Incoming | false>(
                  self,
                  'app',
                  (requestId) => ({
                    ...result,
                    ack: { to: this.address, msg: { type: 'payment.ack', orderId, requestId } },
                  }),
                  false,
                );
          return reply !== false;
        },
      },
      timing: this.design.timing,
      provider: {
        verify: (n) => signatureValid(profile.signingKey, n),
        merchantId: profile.merchantId,
        timestampToleranceMs: profile.timestampToleranceMs,
        ackReply: profile.ackReply,
        tradeState: (status) => stateOf(profile.statusNames, status) ?? stateOf(profile.notifyNames, status),
        refundState: (status) => refundStateOf(profile, status),
      },
    };
  }
}

export interface AsyncPaymentCenterOptions {
  /**
   * How your writes tell the checkers about payments: map a row of one of your tables to a
   * `PaymentFact` (or undefined for rows that say nothing). The default reads a `payments` table
   * keyed by order id with `status`, `paidBy` and `reason` fields in paysim's words. A class that
   * calls `ports.report` for every change needs no projection: pass `() => undefined`.
   */
  readonly project?: Projection;
  /** A PostgreSQL database for `ports.sql` (in-process PGlite): your schema and a facts query. */
  readonly sql?: SqlOptions;
}

/** Puts an implementation of the payment center port where the model would be. */
export function asyncPaymentCenter(
  create: (ports: PaymentCenterPorts) => PaymentCenterHandlers,
  options: AsyncPaymentCenterOptions = {},
): PaymentCenterFactory {
  refuseUnknownAdapterOptions('asyncPaymentCenter', options, ['project', 'sql']);
  const project = options.project ?? paymentFactOf;
  const factory: PaymentCenterFactory = (world, design, profile) =>
    new AsyncPaymentCenter(world, design, profile, create, project, options.sql);
  return Object.assign(factory, { role: 'paymentCenter' as const });
}
