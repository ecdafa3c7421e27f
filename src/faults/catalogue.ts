// The fault catalogue: every way the world may misbehave, as data. Each fault is a named choice
// (ARCHITECTURE.md principle 3): the world asks `choose(id, …)` where the fault could strike, and
// the default answer is "it does not". A fault that is not enabled is never asked.

import type { Design } from '../designs/design.ts';
import type { Notification } from '../domain/messages.ts';
import { extend } from '../kernel/copy.ts';
import type { Envelope, FaultPolicy, LinkFaults, Message, SchedulingDecision } from '../kernel/index.ts';
import { payBehaviours, submitBehaviours } from '../machines/user.machine.ts';

export interface FaultSpec {
  readonly id: string;
  readonly where: string;
  readonly what: string;
  /** Names of the options after the default (option 1, 2, …): a pick may give one instead of its number. */
  readonly options: readonly string[];
  /** What the numbered options past `options` mean, when their count depends on the run or the design. */
  readonly more?: string;
}

/** `2s`, `1.5s`, `6min`, `50ms`: a delay option named by its length. */
function durationName(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${ms / 1_000}s`;
  return `${ms / 60_000}min`;
}

/**
 * A slow gateway reply is slow on the scale of the caller's request timeout (5 s in the presets):
 * within it, where a stale answer can land after newer news, or just past it, where it is dropped.
 */
const slowReplyOptionsMs = [1_000, 4_000, 6_000];
/** How late a delayed message arrives: past a retry, past the callback timeout, past the query window. */
export const delayOptionsMs = [2_000, 30_000, 6 * 60_000];
/**
 * How long a stalled handler pauses at a database call: a slow query, a GC pause, a lock wait. Long
 * enough for a duplicate, a retry one second later, or the next timeout query to overtake it.
 */
export const stallOptionsMs = [50, 1_500, 12_000];
// Named for picks; test/cli/pick-names.test.ts replays each name and checks the trace shows that length.
const delayNames = delayOptionsMs.map(durationName);
const stallNames = stallOptionsMs.map(durationName);
const lost = ['lost'];
/** How long a partition between the business app and the payment center lasts, once it strikes. */
const partitionDurationsMs = [2 * 60_000, 10 * 60_000];
const duplicated = ['at-once', 'later'];
/** How far the payment center's clock may be off (`clock.skew`): it reads timestamps with it. */
export const clockSkewsMs = [-6 * 60_000, 6 * 60_000, -30_000];
const crash = ['crash'];
const interleave =
  'by number: n lets the n-th later handler ready at the same moment run its next step first';
const replica = 'by number: n sends the message to the (n+1)-th instance that is up';

export const faultCatalogue = [
  {
    id: 'gateway.request.lost',
    where: 'payment center → gateway',
    what: 'a pre-pay, close or refund request never arrives',
    options: lost,
  },
  {
    id: 'gateway.reply.lost',
    where: 'gateway → payment center',
    what: 'the gateway executed the request but its reply is lost',
    options: lost,
  },
  {
    id: 'gateway.reply.malformed',
    where: 'gateway → payment center',
    what: 'the gateway executed the request but its answer arrives cut short (a 200 whose body does not parse)',
    options: ['malformed'],
  },
  {
    id: 'gateway.error',
    where: 'gateway',
    what: 'the gateway answers SYSTEMERROR: having executed nothing, or having executed the request anyway',
    options: ['not-executed', 'executed'],
  },
  {
    id: 'gateway.slow',
    where: 'gateway → payment center',
    what: 'a reply arrives late: 1 s or 4 s (the caller still waits for it) or 6 s (after a 5 s request timeout, so it is dropped though the gateway executed the request)',
    options: slowReplyOptionsMs.map(durationName),
  },
  {
    id: 'query.error',
    where: 'gateway',
    what: 'an order query answers SYSTEMERROR (having answered nothing, or having looked anyway)',
    options: ['not-executed', 'executed'],
  },
  {
    id: 'query.lag',
    where: 'gateway',
    what: 'for a few seconds after a payment, an order query still answers the status from before it',
    options: ['stale'],
  },
  {
    id: 'pay.processing',
    where: 'gateway (Stripe)',
    what: 'the buyer pays with a delayed method (a bank debit): the intent stays processing, then succeeds or fails after a minute, or succeeds after a day',
    options: ['succeeds-1min', 'fails-1min', 'succeeds-1day'],
  },
  {
    id: 'refund.outcome',
    where: 'gateway (WeChat Pay, Stripe)',
    what: 'a refund does not succeed: it is closed (no money back; a new refund number may refund) or abnormal (the card cannot take it; re-submitted under its own number)',
    options: ['closed', 'abnormal'],
  },
  {
    id: 'notify.answer.late',
    where: 'gateway (Stripe)',
    what: 'a callback answered after the shortest documented limit but within the longest (Stripe: 3 s to 30 s) counts as failed',
    options: ['failed'],
  },
  {
    id: 'query.timeout',
    where: 'payment center ⇄ gateway',
    what: 'an order query or its answer is lost',
    options: lost,
  },
  {
    id: 'notify.outage',
    where: 'gateway → payment center',
    what: 'every callback for one trade fails (notify_url down or misconfigured)',
    options: ['down'],
  },
  {
    id: 'notify.lost',
    where: 'gateway → payment center',
    what: 'one callback delivery fails (endpoint down)',
    options: lost,
  },
  {
    id: 'notify.duplicated',
    where: 'gateway → payment center',
    what: 'a callback arrives twice, at once or a little later',
    options: duplicated,
  },
  {
    id: 'notify.delayed',
    where: 'gateway → payment center',
    what: 'a callback arrives late, possibly after later events',
    options: delayNames,
  },
  {
    id: 'notify.ack.lost',
    where: 'payment center → gateway',
    what: "the merchant's acknowledgement is lost, so the gateway resends",
    options: lost,
  },
  {
    id: 'notify.forged',
    where: 'internet → payment center',
    what: 'an attacker posts an unsigned success callback for a real order',
    options: ['forged'],
  },
  {
    id: 'notify.tampered',
    where: 'gateway → payment center',
    what: 'a genuine callback has its amount changed in flight',
    options: ['tampered'],
  },
  {
    id: 'notify.replayed',
    where: 'internet → payment center',
    what: 'an attacker who captured a genuine callback posts it again 10 minutes later: signed, but stale',
    options: ['replayed'],
  },
  {
    id: 'forward.lost',
    where: 'payment center ⇄ business app',
    what: 'a direct result call or its acknowledgement is lost',
    options: lost,
  },
  {
    id: 'forward.duplicated',
    where: 'payment center → business app',
    what: 'a direct result call arrives twice',
    options: duplicated,
  },
  {
    id: 'mq.lost',
    where: 'broker ⇄ services',
    what: "a publish or confirm is lost; or a consumer's connection drops with a delivery or ack in flight (the broker requeues the message when it reconnects)",
    options: lost,
  },
  {
    id: 'mq.duplicated',
    where: 'broker → business app',
    what: 'a message is delivered twice',
    options: duplicated,
  },
  {
    id: 'mq.delayed',
    where: 'broker ⇄ services',
    what: 'a publish or delivery arrives late',
    options: delayNames,
  },
  {
    id: 'app.pc.partition',
    where: 'business app ⇄ payment center',
    what: 'the network between the business app and the payment center is down for 2 or 10 minutes',
    options: partitionDurationsMs.map(durationName),
  },
  {
    id: 'redis.lost',
    where: 'business app ⇄ Redis',
    what: 'a Redis command or its reply is lost (Redis down or the connection reset)',
    options: lost,
  },
  {
    id: 'redis.slow',
    where: 'Redis → business app',
    what: "a Redis reply arrives late, past the app's request timeout",
    options: delayNames,
  },
  {
    id: 'app.link.lost',
    where: 'business app ⇄ payment center',
    what: 'a create, close or query call or its answer is lost',
    options: lost,
  },
  {
    id: 'pc.crash',
    where: 'payment center',
    what: 'the process dies before one of its writes or sends; memory and timers are lost',
    options: crash,
  },
  {
    id: 'app.crash',
    where: 'business app',
    what: 'the process dies before one of its writes or sends (e.g. before an MQ ack)',
    options: crash,
  },
  {
    id: 'db.timeout',
    where: 'payment center, business app → their database',
    what: 'a commit succeeds, but the client sees a timeout: the handler fails after its write (no answer, no message), and the row is read again',
    options: ['timeout'],
  },
  {
    id: 'mq.crash',
    where: 'broker',
    what: 'the broker dies at one of its sends: an unconfirmed publish is lost; after its restart every stored message is delivered again under a new delivery tag',
    options: crash,
  },
  {
    id: 'clock.skew',
    where: 'payment center',
    what: "the payment center's clock is off: 6 min behind or ahead (past a 5-minute timestamp tolerance), or 30 s behind",
    options: clockSkewsMs.map((ms) => (ms < 0 ? `behind-${durationName(-ms)}` : `ahead-${durationName(ms)}`)),
  },
  {
    id: 'pc.stall',
    where: 'payment center',
    what: 'a handler pauses at a database call (slow query, GC pause), so later handlers overtake it',
    options: stallNames,
  },
  {
    id: 'app.stall',
    where: 'business app',
    what: 'a handler pauses at a database call (slow query, GC pause), so later handlers overtake it',
    options: stallNames,
  },
  {
    id: 'pc.interleave',
    where: 'payment center',
    what: 'of two handlers ready at the same moment, the later one runs its next step first',
    options: [],
    more: interleave,
  },
  {
    id: 'app.interleave',
    where: 'business app',
    what: 'of two handlers ready at the same moment, the later one runs its next step first',
    options: [],
    more: interleave,
  },
  {
    id: 'pc.replica',
    where: 'payment center',
    what: 'another instance takes the message (designs running 2 or more instances)',
    options: [],
    more: replica,
  },
  {
    id: 'app.replica',
    where: 'business app',
    what: 'another instance takes the message (designs running 2 or more instances)',
    options: [],
    more: replica,
  },
  {
    id: 'user.submit',
    where: 'user',
    what: 'the user double-clicks submit, or the client retries after 20 s',
    options: submitBehaviours.slice(1),
  },
  {
    id: 'user.abandon',
    where: 'user',
    what: 'the user scans the pay page (the trade now exists on Alipay) and leaves without paying',
    options: ['after-scan'],
  },
  {
    id: 'user.pay',
    where: 'user',
    what: 'the user pays slowly, after the query window, after the close, twice, or never',
    options: payBehaviours.slice(1),
    more: "options after these: moments around the design's own timers, listed by `paysim faults --design` given the design",
  },
] as const satisfies readonly FaultSpec[];

export type FaultId = (typeof faultCatalogue)[number]['id'];
export const allFaults: readonly FaultId[] = faultCatalogue.map((f) => f.id);

/** Which faults may strike a message of each type. */
type LinkRule = {
  readonly replayed?: FaultId;
  readonly lost?: FaultId;
  readonly duplicated?: FaultId;
  readonly delayed?: FaultId;
  readonly corrupted?: FaultId;
  readonly outage?: FaultId;
};

const malformed = 'gateway.reply.malformed';
/** A captured callback is replayed this long after: past every provider's five-minute tolerance. */
const replayAfterMs = 10 * 60_000;

const linkTable: Record<string, LinkRule> = {
  'order.submit': { lost: 'app.link.lost' },
  'redis.get': { lost: 'redis.lost' },
  'redis.set': { lost: 'redis.lost' },
  'redis.del': { lost: 'redis.lost' },
  'redis.reply': { lost: 'redis.lost', delayed: 'redis.slow' },
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
  'gateway.prepay.result': { lost: 'gateway.reply.lost', delayed: 'gateway.slow', corrupted: malformed },
  'gateway.close.result': { lost: 'gateway.reply.lost', delayed: 'gateway.slow', corrupted: malformed },
  'gateway.refund.result': { lost: 'gateway.reply.lost', delayed: 'gateway.slow', corrupted: malformed },
  'gateway.query.result': { lost: 'query.timeout', delayed: 'gateway.slow', corrupted: malformed },
  'gateway.notify': {
    replayed: 'notify.replayed',
    lost: 'notify.lost',
    duplicated: 'notify.duplicated',
    delayed: 'notify.delayed',
    corrupted: 'notify.tampered',
    outage: 'notify.outage',
  },
  'gateway.notify.ack': { lost: 'notify.ack.lost' },
  'mq.publish': { lost: 'mq.lost', delayed: 'mq.delayed' },
  'mq.confirm': { lost: 'mq.lost' },
  'payment.ack': { lost: 'forward.lost' },
  'payment.create': { lost: 'app.link.lost' },
  'payment.created': { lost: 'app.link.lost' },
  'payment.close': { lost: 'app.link.lost' },
  'payment.closed': { lost: 'app.link.lost' },
  'payment.query': { lost: 'app.link.lost' },
  'payment.status': { lost: 'app.link.lost' },
};
function slowReplies(rule: LinkRule): LinkRule & { delayOptionsMs?: readonly number[] } {
  return rule.delayed === 'gateway.slow' ? { ...rule, delayOptionsMs: slowReplyOptionsMs } : rule;
}

const forwardDirect = { lost: 'forward.lost', duplicated: 'forward.duplicated' } as const;
// A delivery is lost only with its connection, which the broker sees (see the broker).
const forwardByMq = { duplicated: 'mq.duplicated', delayed: 'mq.delayed' } as const;

const policies = new WeakMap<ReadonlySet<string>, FaultPolicy>();

/** A message type's faults, with a partition added, and the outage it may suffer (keyed per message). */
interface ByType {
  readonly faults: LinkFaults | undefined;
  readonly outage: string | undefined;
  readonly partitioned: LinkFaults;
}

/** The policy for a set of enabled faults; built once per set, since it is pure. */
export function faultPolicy(enabled: ReadonlySet<string>): FaultPolicy {
  let policy = policies.get(enabled);
  if (policy === undefined) {
    policy = buildPolicy(enabled);
    policies.set(enabled, policy);
  }
  return policy;
}

function betweenAppAndPaymentCenter(env: Envelope): boolean {
  return (env.from === 'app' && env.to === 'pc') || (env.from === 'pc' && env.to === 'app');
}

function buildPolicy(enabled: ReadonlySet<string>): FaultPolicy {
  const partitions = enabled.has('app.pc.partition');
  const only = (faults: LinkRule): LinkRule | undefined => {
    const kept = Object.fromEntries(Object.entries(faults).filter(([, id]) => enabled.has(id as string)));
    return Object.keys(kept).length > 0 ? kept : undefined;
  };
  const table = new Map(Object.entries(linkTable).map(([type, faults]) => [type, only(faults)]));
  const direct = only(forwardDirect);
  const byMq = only(forwardByMq);
  // What may strike a message, by type, settled once per policy: no spread or rest per message. An
  // outage names its flow (a trade) and is added per message; so is a partition, on a link it may cut.
  const partition = { label: 'app.pc.partition', key: 'app ⇄ pc', durationsMs: partitionDurationsMs };
  const byType = new Map<string, ByType>();
  for (const [type, rule] of table) {
    if (rule === undefined) {
      byType.set(type, { faults: undefined, outage: undefined, partitioned: { partition } });
      continue;
    }
    const { outage, replayed, ...rest } = slowReplies(rule);
    const faults: LinkFaults =
      replayed === undefined
        ? rest
        : { ...rest, replayed: { label: replayed, from: 'attacker', afterMs: replayAfterMs } };
    byType.set(type, { faults, outage, partitioned: { ...faults, partition } });
  }
  const succeeded = (rule: LinkRule | undefined): ByType => {
    const faults = rule as LinkFaults | undefined;
    return { faults, outage: undefined, partitioned: { ...faults, partition } };
  };
  const byMqSucceeded = succeeded(byMq);
  const directSucceeded = succeeded(direct);
  // `pc.crash`, `app.stall`, …: asked by every world of every run; a string built and hashed each time showed.
  const labels = new Map<string, Map<string, string | null>>();
  const labelOf = (owner: string, what: string): string | undefined => {
    let ofOwner = labels.get(owner);
    if (ofOwner === undefined) {
      ofOwner = new Map();
      labels.set(owner, ofOwner);
    }
    let label = ofOwner.get(what);
    if (label === undefined) {
      const key = `${owner}.${what}`;
      label = enabled.has(key) ? key : null;
      ofOwner.set(what, label);
    }
    return label ?? undefined;
  };
  return {
    linkFaults(env: Envelope): LinkFaults | undefined {
      // A service talking to itself (a job reporting to its own orders) is in-process: reliable.
      if (env.from === env.to) return undefined;
      const partitioned = partitions && betweenAppAndPaymentCenter(env);
      const type = env.msg.type;
      // A result for the business app comes either from the broker or straight from the payment center.
      const known =
        type === 'payment.succeeded'
          ? env.from === 'mq'
            ? byMqSucceeded
            : directSucceeded
          : byType.get(type);
      if (known === undefined) return partitioned ? { partition } : undefined;
      if (known.outage === undefined) return partitioned ? known.partitioned : known.faults;
      // An outage is per flow: every callback of one trade is lost, or none is.
      const key = (env.msg as Message & { notification: Notification }).notification.outTradeNo;
      const faults: LinkFaults = extend(known.faults ?? {}, { outage: { label: known.outage, key } });
      return partitioned ? extend(faults, { partition }) : faults;
    },
    corrupt(msg: Message): Message {
      // A gateway's answer cut short in transit: the request ran, and nothing of the answer can be read.
      if (msg.type !== 'gateway.notify') {
        const { type, outTradeNo, requestId } = msg as Message & { outTradeNo?: string; requestId?: number };
        return { type, outTradeNo, requestId, ok: false, malformed: true } as Message;
      }
      const m = msg as Message & { notification: Notification };
      return { ...m, notification: { ...m.notification, amount: 1 } } as Message;
    },
    crashLabel(owner: string): string | undefined {
      return labelOf(owner, 'crash');
    },
    commitUnknownLabel(owner: string): string | undefined {
      return (owner === 'pc' || owner === 'app') && enabled.has('db.timeout') ? 'db.timeout' : undefined;
    },
    clockSkew(owner: string): { label: string; optionsMs: readonly number[] } | undefined {
      return owner === 'pc' && enabled.has('clock.skew')
        ? { label: 'clock.skew', optionsMs: clockSkewsMs }
        : undefined;
    },
    schedulingLabel(owner: string, decision: SchedulingDecision): string | undefined {
      return labelOf(owner, decision);
    },
  };
}

/**
 * Why a fault can never strike a design (its provider or channel offers no place for it), or
 * undefined where it can. A check still accepts it: it just never happens there.
 */
export function idleBecause(id: string, design: Design): string | undefined {
  const { provider, forwarding } = design;
  if ((id === 'pay.processing' || id === 'notify.answer.late') && provider !== 'stripe') return 'Stripe only';
  if (id === 'refund.outcome' && provider === 'alipay') return "Alipay's refunds are synchronous";
  if (id === 'query.lag' && provider === 'stripe') return "Stripe's reads are consistent";
  if (id.startsWith('mq.') && forwarding !== 'mq') return 'this design forwards by direct call';
  if (id.startsWith('forward.') && forwarding === 'mq') return 'this design forwards by MQ';
  if (id === 'pc.replica' && design.paymentCenter.replicas < 2) return 'one payment center instance';
  if (id === 'app.replica' && design.businessApp.replicas < 2) return 'one business app instance';
  return undefined;
}

/** The faults of `faults` that can never strike `design`, and why. */
export function idleFaults(
  faults: readonly string[],
  design: Design,
): Array<{ readonly fault: string; readonly why: string }> {
  return faults.flatMap((fault) => {
    const why = idleBecause(fault, design);
    return why === undefined ? [] : [{ fault, why }];
  });
}

/**
 * Faults given on purpose of which none can strike `design` (another provider's, another channel's):
 * every run would take the happy path, and a search would pass having tried nothing. Says so; undefined
 * when one can strike, or when none is given (the happy path alone is a choice, not a mistake).
 */
export function noneCanStrike(faults: readonly string[], design: Design): string | undefined {
  const idle = idleFaults(faults, design);
  if (faults.length === 0 || idle.length < faults.length) return undefined;
  return `none of them can strike ${design.name} (${idle.map((f) => `${f.fault}: ${f.why}`).join('; ')}), so every run would take the happy path; give faults that can (\`npx paysim faults --design ${design.name}\` marks them)`;
}
