// Hosts an async, hand-written payment center (any PaymentCenterHandlers) as a world service, in
// as many instances as the design runs. Its gateway calls become messages through the world (so
// they can be lost, delayed or fail), each matched to its reply by a request id, as an HTTP client
// does; a reply after the request timed out is dropped. Every database call is an await that the
// world schedules (a stall or another handler may come first), every write and send is a crash
// point, and its timers run on the virtual clock. After each event the world waits until the
// implementation has nothing left to run but calls waiting on the world: it must do no real I/O.

import { isDeepStrictEqual } from 'node:util';
import type { PaymentCenterFactory } from '../check/simulate.ts';
import type { Design } from '../designs/design.ts';
import { type PaymentFact, type Projection, paymentFactOf } from '../domain/facts.ts';
import type { Notification } from '../domain/messages.ts';
import { type ProviderProfile, type RefundState, stateOf } from '../fakes/providers/provider-profile.ts';
import { signatureValid } from '../fakes/signature.ts';
import type { Envelope, Message, Service, World } from '../kernel/index.ts';
import type { PaymentCenterHandlers, PaymentCenterPorts } from './payment-center-port.ts';

/** Thrown into the implementation when its process dies: it unwinds whatever was running. */
export class ProcessCrashed extends Error {}

/**
 * Thrown by a database write whose commit took although the client saw a timeout (`db.timeout`):
 * the row is stored, the caller does not know it. A handler that lets it propagate fails its request
 * (no answer), as a server's would.
 */
export class DatabaseTimeout extends Error {}

type Incoming = Message & {
  orderId?: string;
  outTradeNo?: string;
  amount?: number;
  messageId?: string;
  requestId?: number;
  notification?: Notification;
  [key: string]: unknown;
};

const address = 'pc';

/** Resolves once every continuation that is runnable now has run (all microtasks drained). */
const drained = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Instance {
  generation: number;
  handlers: PaymentCenterHandlers;
}

interface Waiting {
  readonly replica: number;
  readonly generation: number;
  readonly timer: number;
  resolve(reply: Incoming): void;
}

class AsyncPaymentCenter implements Service {
  readonly address = address;
  private readonly instances = new Map<number, Instance>();
  /** Requests waiting for their reply, by request id, whichever instance sent them. */
  private readonly waiting = new Map<number, Waiting>();
  private nextRequestId = 1;
  /** An error the implementation threw (not a crash): it fails the run with the implementation's stack. */
  private failure: unknown;

  constructor(
    private readonly world: World,
    private readonly design: Design,
    private readonly profile: ProviderProfile,
    private readonly create: (ports: PaymentCenterPorts) => PaymentCenterHandlers,
    private readonly project: Projection,
  ) {}

  async start(replica: number): Promise<void> {
    const generation = (this.instances.get(replica)?.generation ?? 0) + 1;
    const instance: Instance = { generation, handlers: undefined as unknown as PaymentCenterHandlers };
    this.instances.set(replica, instance);
    instance.handlers = this.create(this.ports(replica, generation));
    this.run(() => instance.handlers.recover());
    await this.settled();
  }

  crash(replica: number): void {
    // Its pending calls are never answered; the old instance's next port call throws ProcessCrashed.
    const instance = this.instances.get(replica);
    if (instance) instance.generation++;
  }

  async deliver(env: Envelope, replica: number): Promise<void> {
    const msg = env.msg as Incoming;
    const h = (this.instances.get(replica) as Instance).handlers;
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
        const generation = (this.instances.get(replica) as Instance).generation;
        this.run(async () => {
          const reply = await h.onNotify(n);
          this.alive(replica, generation);
          // The gateway times the answer from when it sent the callback (WeChat: 5 s).
          this.send(env.from, {
            type: 'gateway.notify.ack',
            outTradeNo: n.outTradeNo,
            notifiedAtMs: n.timestampMs,
            ...reply,
          });
        });
        break;
      }
      default:
        this.answer(msg);
    }
    await this.settled();
  }

  /** A reply goes back to the request that asked, on whichever instance asked it, if it still waits. */
  private answer(msg: Incoming): void {
    const id = msg.requestId;
    const waiting = id === undefined ? undefined : this.waiting.get(id);
    if (waiting === undefined || id === undefined) return;
    this.waiting.delete(id);
    this.world.clearTimer(waiting.timer);
    if (this.instances.get(waiting.replica)?.generation === waiting.generation) waiting.resolve(msg);
  }

  private async settled(): Promise<void> {
    await drained();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Runs a handler; a crash unwinds it silently, anything else is a bug in the implementation. */
  private run(handler: () => Promise<void>): void {
    handler().catch((error: unknown) => {
      if (!(error instanceof ProcessCrashed || error instanceof DatabaseTimeout)) this.failure ??= error;
    });
  }

  private alive(replica: number, generation: number): void {
    if (this.instances.get(replica)?.generation !== generation || !this.world.isUp(address))
      throw new ProcessCrashed();
  }

  private send(to: string, msg: Message & Record<string, unknown>): void {
    if (!this.world.send(address, to, msg)) throw new ProcessCrashed();
  }

  /** Sends a request with a fresh request id and waits for its reply, or gives `timeout`. */
  private request<T>(
    replica: number,
    generation: number,
    to: string,
    build: (requestId: number) => Message & Record<string, unknown>,
    timeout: T,
  ): Promise<T> {
    this.alive(replica, generation);
    const requestId = this.nextRequestId++;
    this.send(to, build(requestId));
    return new Promise<T>((resolve) => {
      const timer = this.world.setTimer(address, this.design.timing.requestTimeoutMs, () => {
        this.waiting.delete(requestId);
        resolve(timeout);
        return drained();
      });
      this.waiting.set(requestId, { replica, generation, timer, resolve: (reply) => resolve(reply as T) });
    });
  }

  /** One database call: it runs one await later (or later still, if it stalls), then the caller continues. */
  private dbCall<T>(replica: number, generation: number, query: () => T): Promise<T> {
    this.alive(replica, generation);
    return new Promise<T>((resolve, reject) => {
      this.world.await(address, () => {
        try {
          this.alive(replica, generation);
          resolve(query());
        } catch (error) {
          reject(error);
        }
        return drained();
      });
    });
  }

  private ports(replica: number, generation: number): PaymentCenterPorts {
    const world = this.world;
    const profile = this.profile;
    const failed = { ok: false };
    const call = <T>(msg: Message & Record<string, unknown>) =>
      this.request<T>(replica, generation, 'gateway', (requestId) => ({ ...msg, requestId }), failed as T);
    const tell = (msg: Message & Record<string, unknown>) => {
      this.alive(replica, generation);
      this.send('app', msg);
    };
    // Rows cross the port as copies, as they cross a database connection: changing an object after
    // `put`, or one that `get` returned, changes nothing stored.
    const write = (table: string, key: string, row: object) => {
      const stored = structuredClone(row);
      const fact = this.project(table, key, stored);
      const result = world.write(address, table, key, stored, { fact });
      if (result === 'unknown') throw new DatabaseTimeout(`the write of ${table} ${key} timed out`);
      if (result !== 'ok') throw new ProcessCrashed();
    };
    const store = () => world.store(address);
    return {
      gateway: {
        prepay: (outTradeNo, amount) =>
          call({
            type: 'gateway.prepay',
            outTradeNo,
            amount,
            expiresAfterMs: this.design.timing.tradeExpiresAfterMs,
          }),
        query: (outTradeNo) => call({ type: 'gateway.query', outTradeNo }),
        close: (outTradeNo) => call({ type: 'gateway.close', outTradeNo }),
        refund: (outTradeNo, refundNo, amount) =>
          call({ type: 'gateway.refund', outTradeNo, refundNo, amount }),
      },
      businessApp: {
        paymentCreated: (orderId, outTradeNo, prepayId) =>
          tell({ type: 'payment.created', orderId, outTradeNo, prepayId }),
        paymentClosed: (orderId) => tell({ type: 'payment.closed', orderId }),
        paymentStatus: (orderId, status) => tell({ type: 'payment.status', orderId, status }),
        publishResult: async (orderId, outTradeNo, amount) => {
          const result = { type: 'payment.succeeded', orderId, outTradeNo, amount };
          const reply =
            this.design.forwarding === 'mq'
              ? await this.request<Incoming | false>(
                  replica,
                  generation,
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
                  replica,
                  generation,
                  'app',
                  (requestId) => ({
                    ...result,
                    ack: { to: address, msg: { type: 'payment.ack', orderId, requestId } },
                  }),
                  false,
                );
          return reply !== false;
        },
      },
      db: {
        get: <T>(table: string, key: string) =>
          this.dbCall(replica, generation, () => structuredClone(store().get(table, key)) as T | undefined),
        put: (table, key, row) => this.dbCall(replica, generation, () => write(table, key, row)),
        update: (table, key, row, where) =>
          this.dbCall(replica, generation, () => {
            const now = store().get(table, key) as Record<string, unknown> | undefined;
            const matches = (field: string, value: unknown) =>
              now !== undefined && field in now && isDeepStrictEqual(now[field], value);
            if (!Object.entries(where).every(([field, value]) => matches(field, value))) return false;
            write(table, key, row);
            return true;
          }),
        rows: <T>(table: string) =>
          this.dbCall(
            replica,
            generation,
            () => structuredClone([...store().rows(table)]) as Array<[string, T]>,
          ),
      },
      after: (ms, fn) => {
        this.alive(replica, generation);
        world.setTimer(address, ms, () => {
          if (this.instances.get(replica)?.generation === generation) this.run(async () => fn());
          return drained();
        });
      },
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          this.alive(replica, generation);
          world.setTimer(address, ms, () => {
            resolve();
            return drained();
          });
        }),
      background: (task) => {
        this.alive(replica, generation);
        this.run(task);
      },
      // The service's own wall clock, which may be off (`clock.skew`).
      now: () => world.clockOf(address),
      report: (fact: PaymentFact) => {
        this.alive(replica, generation);
        world.observe(address, { ...fact, kind: 'payment' });
      },
      provider: {
        verify: (n) => signatureValid(profile.signingKey, n),
        merchantId: profile.merchantId,
        timestampToleranceMs: profile.timestampToleranceMs,
        ackReply: profile.ackReply,
        tradeState: (status) => stateOf(profile.statusNames, status) ?? stateOf(profile.notifyNames, status),
        refundState: (status) =>
          (Object.keys(profile.refundNames) as RefundState[]).find((s) => profile.refundNames[s] === status),
      },
    };
  }
}

/** Puts an implementation of the payment center port where the model would be. */
export interface AsyncPaymentCenterOptions {
  /**
   * How your writes tell the checkers about payments: map a row of one of your tables to a
   * `PaymentFact` (or undefined for rows that say nothing). The default reads a `payments` table
   * keyed by order id with `status`, `paidBy` and `reason` fields in paysim's words. A class that
   * calls `ports.report` for every change needs no projection: pass `() => undefined`.
   */
  readonly project?: Projection;
}

export function asyncPaymentCenter(
  create: (ports: PaymentCenterPorts) => PaymentCenterHandlers,
  options: AsyncPaymentCenterOptions = {},
): PaymentCenterFactory {
  const project = options.project ?? paymentFactOf;
  return (world, design, profile) => new AsyncPaymentCenter(world, design, profile, create, project);
}
