// The yardstick: the same order flow as paysim's hardened design (MQ forwarding) written as bare
// hand-written reducers over the same binary heap, with no XState, no fault seam, no trace and no
// checkers. It delivers the same messages in the same order for the benchmark's three stories
// (happy path, one lost callback, one duplicated callback); bench.ts checks the counts match.

import { EventQueue } from '../src/kernel/event-queue.ts';

export type Story = 'happy' | 'lost-callback' | 'duplicate-callback';

interface Msg {
  atMs: number;
  seq: number;
  to: string;
  type: string;
  orderId: string;
}

interface Order {
  app: 'new' | 'created' | 'paid';
  pc: 'none' | 'paying' | 'paid';
  gateway: 'none' | 'NOTPAY' | 'SUCCESS';
  notifications: number;
  acked: boolean;
  fulfilled: number;
  mqPending: boolean;
}

const latencyMs = 10;
const notifyRetryMs = 15_000;

/** Runs one order flow; returns how many messages were delivered. */
export function baselineFlow(story: Story, orderId = 'o1.1'): number {
  const queue = new EventQueue<Msg>();
  let seq = 0;
  let delivered = 0;
  const o: Order = {
    app: 'new',
    pc: 'none',
    gateway: 'none',
    notifications: 0,
    acked: false,
    fulfilled: 0,
    mqPending: false,
  };
  const send = (to: string, type: string, delayMs = latencyMs) =>
    queue.push({ atMs: now + delayMs, seq: seq++, to, type, orderId });
  let now = 0;
  send('app', 'order.submit');
  for (let m = queue.pop(); m !== undefined; m = queue.pop()) {
    now = m.atMs;
    if (m.to !== 'timer') delivered++;
    switch (`${m.to}/${m.type}`) {
      case 'app/order.submit':
        send('redis', 'redis.set');
        break;
      case 'redis/redis.set':
        send('app', 'redis.reply');
        break;
      case 'app/redis.reply':
        o.app = 'created';
        send('users', 'order.created');
        break;
      case 'users/order.created':
        send('app', 'pay.requested');
        break;
      case 'app/pay.requested':
        send('pc', 'payment.create');
        break;
      case 'pc/payment.create':
        o.pc = 'paying';
        send('gateway', 'gateway.prepay');
        break;
      case 'gateway/gateway.prepay':
        o.gateway = 'NOTPAY';
        send('pc', 'gateway.prepay.result');
        break;
      case 'pc/gateway.prepay.result':
        send('app', 'payment.created');
        break;
      case 'app/payment.created':
        send('users', 'pay.ready');
        break;
      case 'users/pay.ready':
        send('gateway', 'user.pay', 2000 + latencyMs);
        break;
      case 'gateway/user.pay':
        o.gateway = 'SUCCESS';
        send('users', 'pay.result');
        send('timer', 'notify');
        break;
      case 'timer/notify': {
        if (o.acked) break;
        o.notifications++;
        const lost = story === 'lost-callback' && o.notifications === 1;
        if (!lost) send('pc', 'gateway.notify');
        if (story === 'duplicate-callback' && o.notifications === 1) send('pc', 'gateway.notify');
        send('timer', 'notify', notifyRetryMs);
        break;
      }
      case 'pc/gateway.notify':
        send('gateway', 'gateway.notify.ack');
        if (o.pc !== 'paid') {
          o.pc = 'paid';
          send('mq', 'mq.publish');
        }
        break;
      case 'gateway/gateway.notify.ack':
        o.acked = true;
        break;
      case 'mq/mq.publish':
        o.mqPending = true;
        send('app', 'payment.succeeded');
        send('pc', 'mq.confirm');
        break;
      case 'app/payment.succeeded':
        if (o.app !== 'paid') {
          o.app = 'paid';
          o.fulfilled++;
        }
        send('mq', 'mq.ack');
        break;
      case 'mq/mq.ack':
        o.mqPending = false;
        break;
    }
  }
  if (o.app !== 'paid' || o.pc !== 'paid' || o.fulfilled !== 1)
    throw new Error(`baseline ${story} did not end paid`);
  return delivered;
}
