// Hosts an async, hand-written payment center (any PaymentCenterHandlers) as a world service. Its
// gateway calls become messages through the world (so they can be lost, delayed or fail), its
// database writes and sends are crash points, and its timers run on the virtual clock. After a
// message is delivered, the world waits until the implementation has nothing left to run but calls
// that are waiting on the world: it must do no real I/O of its own.

import type { PaymentCenterFactory } from '../check/simulate.ts';
import type { Design } from '../designs/design.ts';
import type { Notification } from '../domain/messages.ts';
import type { ProviderProfile } from '../fakes/providers/provider-profile.ts';
import { signatureValid } from '../fakes/signature.ts';
import type { Envelope, Message, Service, World } from '../kernel/index.ts';
import type { PaymentCenterHandlers, PaymentCenterPorts } from './payment-center-port.ts';

/** Thrown into the implementation when its process dies: it unwinds whatever was running. */
export class ProcessCrashed extends Error {}

type Incoming = Message & {
  orderId?: string;
  outTradeNo?: string;
  amount?: number;
  messageId?: string;
  notification?: Notification;
  [key: string]: unknown;
};

const address = 'pc';

/** Resolves once every continuation that is runnable now has run (all microtasks drained). */
const drained = () => new Promise<void>((resolve) => setImmediate(resolve));

class AsyncPaymentCenter implements Service {
  readonly address = address;
  private generation = 0;
  private handlers!: PaymentCenterHandlers;
  /** An error the implementation threw (not a crash): it fails the run with the implementation's stack. */
  private failure: unknown;
  private pending = new Map<string, { resolve: (reply: Incoming) => void; timer: number }>();

  constructor(
    private readonly world: World,
    private readonly design: Design,
    private readonly profile: ProviderProfile,
    private readonly create: (ports: PaymentCenterPorts) => PaymentCenterHandlers,
  ) {}

  async start(): Promise<void> {
    this.generation++;
    this.pending = new Map();
    this.handlers = this.create(this.ports(this.generation));
    this.run(() => this.handlers.recover());
    await this.settled();
  }

  crash(): void {
    // Pending calls are never answered; the old instance's next port call throws ProcessCrashed.
    this.generation++;
    this.pending = new Map();
  }

  async deliver(env: Envelope): Promise<void> {
    const msg = env.msg as Incoming;
    const h = this.handlers;
    switch (msg.type) {
      case 'payment.create':
        this.run(() => h.onCreatePayment({ orderId: msg.orderId as string, amount: msg.amount as number }));
        break;
      case 'payment.close':
        this.run(() => h.onClose({ orderId: msg.orderId as string }));
        break;
      case 'payment.query':
        this.run(() => h.onQuery({ orderId: msg.orderId as string }));
        break;
      case 'gateway.notify': {
        const n = msg.notification as Notification;
        this.run(async () => {
          const reply = await h.onNotify(n);
          this.send(env.from, { type: 'gateway.notify.ack', outTradeNo: n.outTradeNo, ...reply });
        });
        break;
      }
      default: {
        const key = replyKey(msg);
        const waiting = key === undefined ? undefined : this.pending.get(key);
        if (waiting && key) {
          this.pending.delete(key);
          this.world.clearTimer(waiting.timer);
          waiting.resolve(msg);
        }
      }
    }
    await this.settled();
  }

  private async settled(): Promise<void> {
    await drained();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Runs a handler; a crash unwinds it silently, anything else is a bug in the implementation. */
  private run(handler: () => Promise<void>): void {
    handler().catch((error: unknown) => {
      if (!(error instanceof ProcessCrashed)) this.failure ??= error;
    });
  }

  private alive(generation: number): void {
    if (generation !== this.generation || !this.world.isUp(address)) throw new ProcessCrashed();
  }

  private send(to: string, msg: Message & Record<string, unknown>): void {
    if (!this.world.send(address, to, msg)) throw new ProcessCrashed();
  }

  /** Sends a request and waits for the reply with `key`, or gives `timeout` after the request timeout. */
  private request<T>(
    generation: number,
    key: string,
    to: string,
    msg: Message & Record<string, unknown>,
    timeout: T,
  ): Promise<T> {
    this.alive(generation);
    this.send(to, msg);
    return new Promise<T>((resolve) => {
      const timer = this.world.setTimer(address, this.design.timing.requestTimeoutMs, () => {
        this.pending.delete(key);
        resolve(timeout);
        return drained();
      });
      this.pending.set(key, { resolve: (reply) => resolve(reply as T), timer });
    });
  }

  private ports(generation: number): PaymentCenterPorts {
    const world = this.world;
    const profile = this.profile;
    const failed = { ok: false };
    const call = <T>(key: string, msg: Message & Record<string, unknown>) =>
      this.request<T>(generation, key, 'gateway', msg, failed as T);
    return {
      gateway: {
        prepay: (outTradeNo, amount) =>
          call(`gateway.prepay.result:${outTradeNo}`, { type: 'gateway.prepay', outTradeNo, amount }),
        query: (outTradeNo) =>
          call(`gateway.query.result:${outTradeNo}`, { type: 'gateway.query', outTradeNo }),
        close: (outTradeNo) =>
          call(`gateway.close.result:${outTradeNo}`, { type: 'gateway.close', outTradeNo }),
        refund: (outTradeNo, refundNo, amount) =>
          call(`gateway.refund.result:${outTradeNo}`, {
            type: 'gateway.refund',
            outTradeNo,
            refundNo,
            amount,
          }),
      },
      businessApp: {
        paymentCreated: (orderId, outTradeNo, prepayId) => {
          this.alive(generation);
          this.send('app', { type: 'payment.created', orderId, outTradeNo, prepayId });
        },
        paymentClosed: (orderId) => {
          this.alive(generation);
          this.send('app', { type: 'payment.closed', orderId });
        },
        paymentStatus: (orderId, status) => {
          this.alive(generation);
          this.send('app', { type: 'payment.status', orderId, status });
        },
        publishResult: async (orderId, outTradeNo, amount) => {
          const result = { type: 'payment.succeeded', orderId, outTradeNo, amount };
          const reply =
            this.design.forwarding === 'mq'
              ? await this.request<Incoming | false>(
                  generation,
                  `mq.confirm:${orderId}/paid`,
                  'mq',
                  { type: 'mq.publish', messageId: `${orderId}/paid`, to: 'app', payload: result },
                  false,
                )
              : await this.request<Incoming | false>(
                  generation,
                  `payment.ack:${orderId}`,
                  'app',
                  { ...result, ack: { to: address, msg: { type: 'payment.ack', orderId } } },
                  false,
                );
          return reply !== false;
        },
      },
      db: {
        get: <T>(table: string, key: string) => world.store(address).get(table, key) as T | undefined,
        put: (table, key, row) => {
          this.alive(generation);
          if (world.write(address, table, key, row) !== 'ok') throw new ProcessCrashed();
        },
        rows: <T>(table: string) => [...world.store(address).rows(table)] as Array<[string, T]>,
      },
      after: (ms, fn) => {
        this.alive(generation);
        world.setTimer(address, ms, () => {
          if (generation === this.generation) this.run(async () => fn());
          return drained();
        });
      },
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          this.alive(generation);
          world.setTimer(address, ms, () => {
            resolve();
            return drained();
          });
        }),
      background: (task) => {
        this.alive(generation);
        this.run(task);
      },
      now: () => world.nowMs,
      provider: {
        verify: (n) => signatureValid(profile.signingKey, n),
        merchantId: profile.merchantId,
        timestampToleranceMs: profile.timestampToleranceMs,
        ackReply: profile.ackReply,
      },
    };
  }
}

function replyKey(msg: Incoming): string | undefined {
  if (msg.type === 'mq.confirm') return `mq.confirm:${msg.messageId}`;
  if (msg.type === 'payment.ack') return `payment.ack:${msg.orderId}`;
  return msg.outTradeNo === undefined ? undefined : `${msg.type}:${msg.outTradeNo}`;
}

/** Puts an implementation of the payment center port where the model would be. */
export function asyncPaymentCenter(
  create: (ports: PaymentCenterPorts) => PaymentCenterHandlers,
): PaymentCenterFactory {
  return (world, design, profile) => new AsyncPaymentCenter(world, design, profile, create);
}
