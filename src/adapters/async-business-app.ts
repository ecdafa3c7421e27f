// Puts an implementation of the order service port (business-app-port.ts) where the business app
// model would be: the users' submissions and pay clicks, the payment center's answers and the
// payment results reach its handlers; its Redis commands are requests through the world, answered
// or timed out; a result is acknowledged (MQ ack or the direct call's answer) once its handler
// resolves.

import type { BusinessAppFactory } from '../check/simulate.ts';
import type { Design } from '../designs/design.ts';
import { type OrderFact, orderFactOf, type Projection } from '../domain/facts.ts';
import type { Envelope, Message, World } from '../kernel/index.ts';
import { AsyncService, type Incarnation, type Incoming } from './async-service.ts';
import type { OrderServiceHandlers, OrderServicePorts } from './business-app-port.ts';
import { refuseUnknownAdapterOptions } from './known-options.ts';
import { RedisUnavailable } from './service-ports.ts';
import type { SqlOptions } from './sql-port.ts';

class AsyncBusinessApp extends AsyncService<OrderServiceHandlers, OrderServicePorts> {
  constructor(
    world: World,
    design: Design,
    create: (ports: OrderServicePorts) => OrderServiceHandlers,
    project: Projection,
    sql: SqlOptions | undefined,
  ) {
    super(world, design, 'app', create, project, sql);
  }

  protected readonly handlerNames = [
    'onSubmit',
    'onPayRequested',
    'onPaymentCreated',
    'onPaymentClosed',
    'onPaymentStatus',
    'onPaymentResult',
    'recover',
  ] as const;

  protected handle(env: Envelope, h: OrderServiceHandlers, self: Incarnation): boolean {
    const msg = env.msg as Incoming;
    const orderId = msg.orderId as string;
    switch (msg.type) {
      case 'order.submit':
        this.run(
          () =>
            h.onSubmit({
              orderId,
              intentId: msg.intentId as string,
              userId: msg.userId as string,
              amount: msg.amount as number,
            }),
          'onSubmit',
          orderId,
        );
        return true;
      case 'pay.requested':
        this.run(() => h.onPayRequested({ orderId }), 'onPayRequested', orderId);
        return true;
      case 'payment.created':
        this.run(
          () =>
            h.onPaymentCreated({
              orderId,
              outTradeNo: msg.outTradeNo as string,
              ...(msg.prepayId === undefined ? {} : { prepayId: msg.prepayId as string }),
            }),
          'onPaymentCreated',
          orderId,
        );
        return true;
      case 'payment.closed':
        this.run(() => h.onPaymentClosed({ orderId }), 'onPaymentClosed', orderId);
        return true;
      case 'payment.status':
        this.run(
          () => h.onPaymentStatus({ orderId, status: msg.status as string }),
          'onPaymentStatus',
          orderId,
        );
        return true;
      case 'payment.succeeded': {
        const ack = msg.ack as { to: string; msg: Message & Record<string, unknown> } | undefined;
        // Resolved: acknowledged. Failed: a broker delivery is rejected (nack, requeued at once, as an
        // AMQP client does on a handler error); a direct call goes unanswered, so it is sent again.
        const reject = () => {
          if (ack?.to !== 'mq') return;
          try {
            this.send(self, 'mq', { type: 'mq.nack', messageId: ack.msg.messageId });
          } catch {}
        };
        this.run(
          async () => {
            await h.onPaymentResult({
              orderId,
              outTradeNo: msg.outTradeNo as string,
              amount: msg.amount as number,
            });
            if (ack !== undefined) this.send(self, ack.to, ack.msg);
          },
          'onPaymentResult',
          orderId,
          reject,
        );
        return true;
      }
      default:
        return false;
    }
  }

  protected ports(self: Incarnation): OrderServicePorts {
    const noReply = Symbol('no reply');
    const redis = async (command: Message & Record<string, unknown>) => {
      const reply = await this.request<Incoming | typeof noReply>(
        self,
        'redis',
        (requestId) => ({ ...command, replyKey: command.key, requestId }),
        noReply,
      );
      if (reply === noReply) throw new RedisUnavailable(`${command.type} ${command.key}: no reply in time`);
      return reply.value as string | null;
    };
    const tellUser = (msg: Message & Record<string, unknown>) => this.send(self, 'users', msg);
    const ask = (msg: Message & Record<string, unknown>) => this.send(self, 'pc', msg);
    return {
      ...this.processPorts<OrderFact>(self, 'order'),
      redis: {
        get: (key) => redis({ type: 'redis.get', key }),
        set: async (key, value, options = {}) =>
          (await redis({ type: 'redis.set', key, value, nx: options.nx, ttlMs: options.ttlMs })) === 'OK'
            ? 'OK'
            : null,
        del: async (key) => {
          await redis({ type: 'redis.del', key });
        },
      },
      paymentCenter: {
        createPayment: (orderId, amount) => ask({ type: 'payment.create', orderId, amount }),
        closePayment: (orderId) => ask({ type: 'payment.close', orderId }),
        queryPayment: (orderId) => ask({ type: 'payment.query', orderId }),
      },
      users: {
        orderCreated: (orderId, intentId) => tellUser({ type: 'order.created', orderId, intentId }),
        orderRejected: (orderId, intentId) => tellUser({ type: 'order.rejected', orderId, intentId }),
        payReady: (orderId, intentId, outTradeNo) =>
          tellUser({ type: 'pay.ready', orderId, intentId, outTradeNo }),
      },
      warehouse: {
        ship: (orderId, idempotencyKey) => {
          this.alive(self);
          this.world.observe(this.address, { kind: 'shipment', orderId, key: idempotencyKey });
        },
      },
      timing: this.design.timing,
    };
  }
}

export interface AsyncBusinessAppOptions {
  /**
   * How your writes tell the checkers about orders: map a row of one of your tables (and the row
   * it replaces) to an `OrderFact` (or nothing). The default reads an `orders` table keyed by order
   * id with `intentId`, `amount`, `status` (created, closing, paid, closed, exception) and `reason`.
   */
  readonly project?: Projection;
  /** A PostgreSQL database for `ports.sql` (in-process PGlite): your schema and a facts query. */
  readonly sql?: SqlOptions;
}

/** Puts an implementation of the order service port where the business app model would be. */
export function asyncBusinessApp(
  create: (ports: OrderServicePorts) => OrderServiceHandlers,
  options: AsyncBusinessAppOptions = {},
): BusinessAppFactory {
  refuseUnknownAdapterOptions('asyncBusinessApp', options, ['project', 'sql']);
  const project = options.project ?? orderFactOf;
  const factory: BusinessAppFactory = (world, design) =>
    new AsyncBusinessApp(world, design, create, project, options.sql);
  return Object.assign(factory, { role: 'businessApp' as const });
}
