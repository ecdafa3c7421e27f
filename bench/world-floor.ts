// The world alone: the baseline's reducer (baseline.ts) run on paysim's World, with the fault policy
// of every fault, scripted choices and the trace, and nothing else: no machines, no hosts, no fakes,
// no invariants. It sends the models' messages and writes their rows (a trace entry each), and its
// app and payment center answer one await later, as the models' handlers do. What it costs is what
// the fault seam, the choice points, the queue and the trace cost a run, whatever runs the models:
// the floor under any engine.

import { allFaults, delayOptionsMs, faultPolicy, stallOptionsMs } from '../src/faults/catalogue.ts';
import { type Envelope, type Pick, ScriptedChoices, type Service, World } from '../src/kernel/index.ts';

const notifyRetryMs = 15_000;
const orderId = 'o1.1';
const tradeNo = 'o1.1~1';
const policy = faultPolicy(new Set(allFaults));

interface Order {
  appPaid: boolean;
  pcPaid: boolean;
  acked: boolean;
}

type Handler = (world: World, order: Order) => void;

const send = (world: World, from: string, to: string, type: string): void => {
  world.send(from, to, { type, orderId, outTradeNo: tradeNo, notification: { outTradeNo: tradeNo } });
};
const write = (world: World, owner: string, table: string, key = orderId) =>
  world.write(owner, table, key, { orderId, status: table });

/** Each service's handlers by message type; the app's and the payment center's run one await later. */
const handlers: Record<string, Record<string, Handler>> = {
  app: {
    'order.submit': (w) => send(w, 'app', 'redis', 'redis.set'),
    'redis.reply': (w) => {
      write(w, 'app', 'orders');
      send(w, 'app', 'users', 'order.created');
    },
    'pay.requested': (w) => send(w, 'app', 'pc', 'payment.create'),
    'payment.created': (w) => send(w, 'app', 'users', 'pay.ready'),
    'payment.succeeded': (w, o) => {
      if (!o.appPaid) {
        o.appPaid = true;
        write(w, 'app', 'orders');
      }
      send(w, 'app', 'mq', 'mq.ack');
    },
  },
  redis: { 'redis.set': (w) => send(w, 'redis', 'app', 'redis.reply') },
  users: {
    'order.created': (w) => send(w, 'users', 'app', 'pay.requested'),
    'pay.ready': (w) => w.setTimer('users', 2000, () => send(w, 'users', 'gateway', 'user.pay')),
  },
  pc: {
    'payment.create': (w) => {
      write(w, 'pc', 'payments');
      send(w, 'pc', 'gateway', 'gateway.prepay');
    },
    'gateway.prepay.result': (w) => send(w, 'pc', 'app', 'payment.created'),
    'gateway.notify': (w, o) => {
      send(w, 'pc', 'gateway', 'gateway.notify.ack');
      if (o.pcPaid) return;
      o.pcPaid = true;
      write(w, 'pc', 'payments');
      send(w, 'pc', 'mq', 'mq.publish');
    },
    'mq.confirm': () => undefined,
  },
  gateway: {
    'gateway.prepay': (w) => {
      write(w, 'gateway', 'trades', tradeNo);
      send(w, 'gateway', 'pc', 'gateway.prepay.result');
    },
    'user.pay': (w, o) => {
      write(w, 'gateway', 'trades', tradeNo);
      write(w, 'gateway', 'captures', tradeNo);
      send(w, 'gateway', 'users', 'pay.result');
      notify(w, o);
    },
    'gateway.notify.ack': (_, o) => {
      o.acked = true;
    },
  },
  mq: {
    'mq.publish': (w) => {
      send(w, 'mq', 'pc', 'mq.confirm');
      send(w, 'mq', 'app', 'payment.succeeded');
    },
    'mq.ack': () => undefined,
  },
};

/** The gateway's callback, sent again every 15 s until it is acknowledged. */
function notify(world: World, order: Order): void {
  if (order.acked) return;
  send(world, 'gateway', 'pc', 'gateway.notify');
  world.setTimer('gateway', notifyRetryMs, () => notify(world, order));
}

const answersLater = new Set(['app', 'pc']);

function service(world: World, address: string, order: Order): Service {
  const own = handlers[address] ?? {};
  return {
    address,
    start: () => undefined,
    crash: () => undefined,
    deliver(env: Envelope) {
      const handle = own[env.msg.type];
      if (handle === undefined) return;
      if (answersLater.has(address)) world.await(address, () => handle(world, order), orderId, env.msg.type);
      else handle(world, order);
    },
  };
}

/** Runs one order flow on the World; returns how many messages were delivered. */
export async function worldFloorFlow(picks: readonly Pick[]): Promise<number> {
  const world = new World({
    choices: ScriptedChoices.replay(picks),
    faults: policy,
    latencyMs: 10,
    delayOptionsMs,
    restartAfterMs: 5_000,
    stepMs: 2,
    stallOptionsMs,
    horizonMs: 48 * 60 * 60_000,
    maxSteps: 20_000,
  });
  const order: Order = { appPaid: false, pcPaid: false, acked: false };
  for (const address of ['users', 'app', 'pc', 'gateway', 'redis', 'mq'])
    world.add(service(world, address, order));
  world.setTimer('users', 0, () => send(world, 'users', 'app', 'order.submit'));
  await world.run();
  if (!order.appPaid || !order.pcPaid) throw new Error('the world floor did not end paid');
  let delivered = 0;
  for (const entry of world.trace) if (entry.kind === 'deliver') delivered++;
  return delivered;
}
