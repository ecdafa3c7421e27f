// The fault catalogue: every way the world may misbehave, as data. Each fault is a named choice
// (ARCHITECTURE.md principle 3): the world asks `choose(id, …)` where the fault could strike, and
// the default answer is "it does not". A fault that is not enabled is never asked.

import type { Notification } from '../domain/messages.ts';
import type { Envelope, FaultPolicy, LinkFaults, Message, SchedulingDecision } from '../kernel/index.ts';

export interface FaultSpec {
  readonly id: string;
  readonly where: string;
  readonly what: string;
}

export const faultCatalogue = [
  {
    id: 'gateway.request.lost',
    where: 'payment center → gateway',
    what: 'a pre-pay, close or refund request never arrives',
  },
  {
    id: 'gateway.reply.lost',
    where: 'gateway → payment center',
    what: 'the gateway executed the request but its reply is lost',
  },
  {
    id: 'gateway.error',
    where: 'gateway',
    what: 'the gateway answers SYSTEMERROR: having executed nothing, or having executed the request anyway',
  },
  {
    id: 'gateway.slow',
    where: 'gateway → payment center',
    what: 'a reply arrives late: 1 s or 4 s (the caller still waits for it) or 6 s (after a 5 s request timeout, so it is dropped though the gateway executed the request)',
  },
  { id: 'query.error', where: 'gateway', what: 'an order query answers SYSTEMERROR' },
  { id: 'query.timeout', where: 'payment center ⇄ gateway', what: 'an order query or its answer is lost' },
  {
    id: 'notify.outage',
    where: 'gateway → payment center',
    what: 'every callback for one trade fails (notify_url down or misconfigured)',
  },
  {
    id: 'notify.lost',
    where: 'gateway → payment center',
    what: 'one callback delivery fails (endpoint down)',
  },
  {
    id: 'notify.duplicated',
    where: 'gateway → payment center',
    what: 'a callback arrives twice, at once or a little later',
  },
  {
    id: 'notify.delayed',
    where: 'gateway → payment center',
    what: 'a callback arrives late, possibly after later events',
  },
  {
    id: 'notify.ack.lost',
    where: 'payment center → gateway',
    what: "the merchant's acknowledgement is lost, so the gateway resends",
  },
  {
    id: 'notify.forged',
    where: 'internet → payment center',
    what: 'an attacker posts an unsigned success callback for a real order',
  },
  {
    id: 'notify.tampered',
    where: 'gateway → payment center',
    what: 'a genuine callback has its amount changed in flight',
  },
  {
    id: 'forward.lost',
    where: 'payment center ⇄ business app',
    what: 'a direct result call or its acknowledgement is lost',
  },
  {
    id: 'forward.duplicated',
    where: 'payment center → business app',
    what: 'a direct result call arrives twice',
  },
  { id: 'mq.lost', where: 'broker ⇄ services', what: 'a publish, confirm, delivery or ack is lost' },
  { id: 'mq.duplicated', where: 'broker → business app', what: 'a message is delivered twice' },
  { id: 'mq.delayed', where: 'broker ⇄ services', what: 'a publish or delivery arrives late' },
  {
    id: 'app.link.lost',
    where: 'business app ⇄ payment center',
    what: 'a create, close or query call or its answer is lost',
  },
  {
    id: 'pc.crash',
    where: 'payment center',
    what: 'the process dies before one of its writes or sends; memory and timers are lost',
  },
  {
    id: 'app.crash',
    where: 'business app',
    what: 'the process dies before one of its writes or sends (e.g. before an MQ ack)',
  },
  {
    id: 'pc.stall',
    where: 'payment center',
    what: 'a handler pauses at a database call (slow query, GC pause), so later handlers overtake it',
  },
  {
    id: 'app.stall',
    where: 'business app',
    what: 'a handler pauses at a database call (slow query, GC pause), so later handlers overtake it',
  },
  {
    id: 'pc.interleave',
    where: 'payment center',
    what: 'of two handlers ready at the same moment, the later one runs its next step first',
  },
  {
    id: 'app.interleave',
    where: 'business app',
    what: 'of two handlers ready at the same moment, the later one runs its next step first',
  },
  {
    id: 'pc.replica',
    where: 'payment center',
    what: 'another instance takes the message (designs running 2 or more instances)',
  },
  {
    id: 'app.replica',
    where: 'business app',
    what: 'another instance takes the message (designs running 2 or more instances)',
  },
  {
    id: 'user.submit',
    where: 'user',
    what: 'the user double-clicks submit, or the client retries after 20 s',
  },
  {
    id: 'user.pay',
    where: 'user',
    what: 'the user pays slowly, after the query window, after the close, twice, or never',
  },
] as const satisfies readonly FaultSpec[];

export type FaultId = (typeof faultCatalogue)[number]['id'];
export const allFaults: readonly FaultId[] = faultCatalogue.map((f) => f.id);

/** Which faults may strike a message of each type. */
type LinkRule = {
  readonly lost?: FaultId;
  readonly duplicated?: FaultId;
  readonly delayed?: FaultId;
  readonly corrupted?: FaultId;
  readonly outage?: FaultId;
};

const linkTable: Record<string, LinkRule> = {
  'order.submit': { lost: 'app.link.lost' },
  'order.created': { lost: 'app.link.lost' },
  'order.rejected': { lost: 'app.link.lost' },
  'pay.requested': { lost: 'app.link.lost' },
  'pay.ready': { lost: 'app.link.lost' },
  'gateway.prepay': { lost: 'gateway.request.lost' },
  'gateway.close': { lost: 'gateway.request.lost' },
  'gateway.refund': { lost: 'gateway.request.lost' },
  'gateway.query': { lost: 'query.timeout' },
  'gateway.bill': { lost: 'gateway.request.lost' },
  'gateway.bill.result': { lost: 'gateway.reply.lost', delayed: 'gateway.slow' },
  'gateway.prepay.result': { lost: 'gateway.reply.lost', delayed: 'gateway.slow' },
  'gateway.close.result': { lost: 'gateway.reply.lost', delayed: 'gateway.slow' },
  'gateway.refund.result': { lost: 'gateway.reply.lost', delayed: 'gateway.slow' },
  'gateway.query.result': { lost: 'query.timeout', delayed: 'gateway.slow' },
  'gateway.notify': {
    lost: 'notify.lost',
    duplicated: 'notify.duplicated',
    delayed: 'notify.delayed',
    corrupted: 'notify.tampered',
    outage: 'notify.outage',
  },
  'gateway.notify.ack': { lost: 'notify.ack.lost' },
  'mq.publish': { lost: 'mq.lost', delayed: 'mq.delayed' },
  'mq.confirm': { lost: 'mq.lost' },
  'mq.ack': { lost: 'mq.lost' },
  'payment.ack': { lost: 'forward.lost' },
  'payment.create': { lost: 'app.link.lost' },
  'payment.created': { lost: 'app.link.lost' },
  'payment.close': { lost: 'app.link.lost' },
  'payment.closed': { lost: 'app.link.lost' },
  'payment.query': { lost: 'app.link.lost' },
  'payment.status': { lost: 'app.link.lost' },
};
/**
 * A slow gateway reply is slow on the scale of the caller's request timeout (5 s in the presets):
 * within it, where a stale answer can land after newer news, or just past it, where it is dropped.
 */
const slowReplyOptionsMs = [1_000, 4_000, 6_000];
function slowReplies(rule: LinkRule): LinkRule & { delayOptionsMs?: readonly number[] } {
  return rule.delayed === 'gateway.slow' ? { ...rule, delayOptionsMs: slowReplyOptionsMs } : rule;
}

const forwardDirect = { lost: 'forward.lost', duplicated: 'forward.duplicated' } as const;
const forwardByMq = { lost: 'mq.lost', duplicated: 'mq.duplicated', delayed: 'mq.delayed' } as const;

const policies = new WeakMap<ReadonlySet<string>, FaultPolicy>();

/** The policy for a set of enabled faults; built once per set, since it is pure. */
export function faultPolicy(enabled: ReadonlySet<string>): FaultPolicy {
  let policy = policies.get(enabled);
  if (policy === undefined) {
    policy = buildPolicy(enabled);
    policies.set(enabled, policy);
  }
  return policy;
}

function buildPolicy(enabled: ReadonlySet<string>): FaultPolicy {
  const only = (faults: LinkRule): LinkRule | undefined => {
    const kept = Object.fromEntries(Object.entries(faults).filter(([, id]) => enabled.has(id as string)));
    return Object.keys(kept).length > 0 ? kept : undefined;
  };
  const table = new Map(Object.entries(linkTable).map(([type, faults]) => [type, only(faults)]));
  const direct = only(forwardDirect);
  const byMq = only(forwardByMq);
  return {
    linkFaults(env: Envelope): LinkFaults | undefined {
      // A service talking to itself (a job reporting to its own orders) is in-process: reliable.
      if (env.from === env.to) return undefined;
      const type = env.msg.type;
      // A result for the business app comes either from the broker or straight from the payment center.
      if (type === 'payment.succeeded') return (env.from === 'mq' ? byMq : direct) as LinkFaults | undefined;
      const rule = table.get(type);
      if (rule === undefined) return undefined;
      const { outage, ...perMessage } = slowReplies(rule);
      if (outage === undefined) return perMessage;
      // An outage is per flow: every callback of one trade is lost, or none is.
      const key = (env.msg as Message & { notification: Notification }).notification.outTradeNo;
      return { ...perMessage, outage: { label: outage, key } };
    },
    corrupt(msg: Message): Message {
      const m = msg as Message & { notification: Notification };
      return { ...m, notification: { ...m.notification, amount: 1 } } as Message;
    },
    crashLabel(owner: string): string | undefined {
      const label = `${owner}.crash`;
      return enabled.has(label) ? label : undefined;
    },
    schedulingLabel(owner: string, decision: SchedulingDecision): string | undefined {
      const label = `${owner}.${decision}`;
      return enabled.has(label) ? label : undefined;
    },
  };
}
