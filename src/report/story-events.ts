// The story of a run as structured events: what users did, every deviation, each delivery that
// changed some service's database (with the request it answers) or brought news of a payment its
// receiver's record did not take, and the state changes of the orders involved. The terminal
// timeline and the HTML/Markdown reports are both renderings of these events, so they cannot tell
// different stories. Reads the trace only.

import { factsOf, newShipment } from '../domain/facts.ts';
import { orderIdOf } from '../domain/messages.ts';
import { providers } from '../fakes/providers/index.ts';
import { isPaidState, stateOf } from '../fakes/providers/provider-profile.ts';
import type { Envelope, TraceEntry } from '../kernel/index.ts';

interface At {
  readonly step: number;
  readonly atMs: number;
}

export type StoryEvent = At &
  (
    | {
        readonly kind: 'message';
        readonly from: string;
        readonly to: string;
        readonly text: string;
        /** Set on a message the system must treat as hostile (`notify.forged`, `notify.tampered`). */
        readonly tag?: string;
        /** Which instance took it (0-based), for a service running more than one. */
        readonly replica?: number;
        /** Which instance sent it (0-based), for a service running more than one. */
        readonly fromReplica?: number;
        /** Its sender is down as it arrives: it was in flight when the sender crashed. */
        readonly sentBeforeCrash?: true;
      }
    | { readonly kind: 'refused'; readonly from: string; readonly to: string; readonly text: string }
    | {
        readonly kind: 'fault';
        readonly fault: string;
        readonly detail: string;
        /** The message the fault struck, if it struck one. */
        readonly message?: { readonly from: string; readonly to: string; readonly text: string };
      }
    | {
        readonly kind: 'state';
        readonly owner: string;
        readonly table: string;
        readonly key: string;
        readonly before?: string;
        readonly after: string;
        /** Why it went to exception, as the service states it. */
        readonly reason?: string;
      }
    | { readonly kind: 'money'; readonly owner: string; readonly text: string }
    | { readonly kind: 'crash' | 'restart'; readonly owner: string; readonly replica?: number }
    | {
        readonly kind: 'note';
        readonly owner: string;
        readonly text: string;
        /** A handler of the service's own code failed: the story does not fold it into the happy path. */
        readonly failure?: true;
      }
    | {
        /** A trace entry of a kind this report does not know yet: shown as a note, never dropped silently. */
        readonly kind: 'unknown';
        readonly entryKind: string;
        readonly owner?: string;
        readonly text: string;
      }
  );

export interface StoryOptions {
  /** Only events about these orders (all orders when empty). */
  readonly orders?: readonly string[];
  /** Every delivery, instead of only the ones that tell the story. */
  readonly verbose?: boolean;
  /** Stop after this step (where a safety invariant broke): what follows is not part of the story. */
  readonly untilStep?: number;
}

/** The order id a message is about, if any. */
function orderOf(env: Envelope): string | undefined {
  const msg = env.msg as {
    orderId?: string;
    replyKey?: string;
    messageId?: string;
    outTradeNo?: string;
    notification?: { outTradeNo: string };
    payload?: { orderId?: string };
  };
  const outTradeNo = msg.outTradeNo ?? msg.notification?.outTradeNo;
  if (outTradeNo !== undefined) return orderIdOf(outTradeNo);
  // Broker message ids are `<orderId>/paid`.
  return msg.orderId ?? msg.replyKey ?? msg.payload?.orderId ?? msg.messageId?.split('/')[0];
}

/** `gateway.notify (o1.1~1 amount 100)`: the message type and what it is about. */
export function describeMessage(env: Envelope): string {
  const msg = env.msg as unknown as Record<string, unknown>;
  const parts: string[] = [];
  const n = msg.notification as { outTradeNo: string; amount: number; status: string } | undefined;
  // An out_trade_no names the order and the attempt; show it instead of the bare order id. A
  // callback says what it reports in the provider's words (SUCCESS, TRADE_CLOSED, payment_intent.processing).
  if (n) parts.push(`${n.outTradeNo} ${n.status} amount ${n.amount}`);
  else if (typeof msg.outTradeNo === 'string') parts.push(msg.outTradeNo);
  else {
    const about = orderOf(env);
    if (about) parts.push(about);
  }
  for (const key of ['status', 'result', 'code', 'value', 'httpStatus'] as const) {
    if (msg[key] !== undefined) parts.push(`${key}=${msg[key] === null ? 'nil' : String(msg[key])}`);
  }
  if (msg.ok === false) parts.push('error');
  // Reconciliation hands each line of the provider's bill to the payment center as a query result.
  if (msg.source === 'bill') parts.push('a line of the daily bill');
  return `${env.msg.type}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/** What an entry of an unknown kind is about, read from the fields entries usually carry. */
function unknownEvent(entry: Record<string, unknown>): {
  owner?: string;
  subject?: string;
  text: string;
} {
  const text = (field: string) => (typeof entry[field] === 'string' ? (entry[field] as string) : undefined);
  const env = entry.env as Envelope | undefined;
  const owner = text('owner') ?? env?.to;
  const subject = text('subject') ?? text('orderId') ?? (env ? orderOf(env) : undefined) ?? text('key');
  const detail =
    text('text') ?? text('detail') ?? (env ? describeMessage(env) : undefined) ?? text('table') ?? '';
  return { owner, subject, text: `${String(entry.kind)}${detail ? `: ${detail}` : ''}` };
}

/**
 * The user told that something did not go through (a second submit rejected, a payment refused):
 * often the whole point of a mitigation, though the handler that says it writes nothing.
 */
function toldNo(env: Envelope): boolean {
  if (env.to !== 'users') return false;
  const msg = env.msg as { type: string; ok?: boolean };
  return msg.type === 'order.rejected' || (msg.type === 'pay.result' && msg.ok === false);
}

/** A provider's word for paid, in any provider's callback or query answer (each uses its own words). */
function paidWord(names: 'notifyNames' | 'statusNames', wire: string | undefined): boolean {
  return wire !== undefined && Object.values(providers).some((p) => isPaidState(stateOf(p[names], wire)));
}

/** News that the buyer has paid: a success callback or query answer, or the payment center's word to the app. */
function saysPaid(env: Envelope): boolean {
  const msg = env.msg as { type: string; status?: string; notification?: { status: string } };
  if (msg.type === 'gateway.notify') return paidWord('notifyNames', msg.notification?.status);
  if (msg.type === 'gateway.query.result') return paidWord('statusNames', msg.status);
  return msg.type === 'payment.succeeded' || (msg.type === 'payment.status' && msg.status === 'paid');
}

export function storyEvents(trace: readonly TraceEntry[], options: StoryOptions = {}): StoryEvent[] {
  const orders = options.orders ?? [];
  const wanted = (id: string | undefined) =>
    orders.length === 0 || (id !== undefined && orders.some((o) => id === o || id.startsWith(`${o}~`)));
  // A delivery tells the story if its handler wrote something, at once or one await later, or did
  // something worth a note (lost a race and read again).
  const writeCauses = new Set(
    trace.flatMap((e) =>
      (e.kind === 'write' || e.kind === 'note' || e.kind === 'observe' || e.kind === 'commit') &&
      e.cause !== undefined
        ? [e.cause]
        : [],
    ),
  );
  // And so does the request such a delivery answers, so that no reply is told without it.
  for (const e of trace)
    if (e.kind === 'deliver' && e.env.cause !== undefined && writeCauses.has(e.env.id))
      writeCauses.add(e.env.cause);
  const tellsStory = (env: Envelope) =>
    options.verbose ||
    env.from === 'users' ||
    toldNo(env) ||
    env.tag !== undefined ||
    writeCauses.has(env.id);
  const lastStatus = new Map<string, string>();
  /** The instances down now (`mq#0`): a message from one arrives after its sender crashed. */
  const down = new Set<string>();
  // News of a payment that its receiver's record, not paid, did not take (a success callback after
  // the payment was closed): often the very moment a payment is lost, though nothing was written.
  // Its answer is told too: acknowledging such a callback is what stops the provider retrying it.
  const ignoredNews = new Map<number, string>();
  const ignoredPaid = (env: Envelope) => {
    if (env.cause !== undefined && ignoredNews.get(env.cause) === env.to) return true;
    if (!saysPaid(env)) return false;
    const order = orderOf(env);
    const status = ['payments', 'orders']
      .map((table) => lastStatus.get(`${env.to}/${table}/${order}`))
      .find((s) => s !== undefined);
    if (status === undefined || status === 'paid') return false;
    ignoredNews.set(env.id, env.from);
    return true;
  };
  const shipments = new Map<string, number>();
  const shipmentKeys = new Set<string>();
  const events: StoryEvent[] = [];
  /** A status as a service states it: a line when it changes. */
  const state = (
    at: { step: number; atMs: number },
    owner: string,
    table: string,
    key: string,
    status: string,
    reason?: string,
  ) => {
    const id = `${owner}/${table}/${key}`;
    const before = lastStatus.get(id);
    if (before !== status)
      events.push({
        ...at,
        kind: 'state',
        owner,
        table,
        key,
        before,
        after: status,
        ...(status === 'exception' && reason ? { reason } : {}),
      });
    lastStatus.set(id, status);
  };
  const ship = (at: { step: number; atMs: number }, owner: string, orderId: string) => {
    const shipped = (shipments.get(orderId) ?? 0) + 1;
    shipments.set(orderId, shipped);
    events.push({ ...at, kind: 'money', owner, text: `ships ${orderId} (shipment ${shipped})` });
  };
  /** The facts an entry states: the services' own words about their orders, whatever their tables. */
  const tellFacts = (e: TraceEntry, at: { step: number; atMs: number }, owner: string) => {
    for (const fact of factsOf(e)) {
      if (!wanted(fact.orderId)) continue;
      if (fact.kind === 'shipment') {
        if (newShipment(fact, shipmentKeys)) ship(at, owner, fact.orderId);
      } else state(at, owner, `${fact.kind}s`, fact.orderId, fact.status, fact.reason);
    }
  };
  for (const e of trace) {
    if (options.untilStep !== undefined && e.step > options.untilStep) break;
    const at = { step: e.step, atMs: e.atMs };
    switch (e.kind) {
      case 'deliver':
        if (wanted(orderOf(e.env)) && (tellsStory(e.env) || ignoredPaid(e.env)))
          events.push({
            ...at,
            kind: 'message',
            from: e.env.from,
            to: e.env.to,
            text: describeMessage(e.env),
            tag: e.env.tag,
            ...(e.replica === undefined ? {} : { replica: e.replica }),
            ...(e.env.fromReplica === undefined ? {} : { fromReplica: e.env.fromReplica }),
            ...(down.has(`${e.env.from}#${e.env.fromReplica ?? 0}`) ? { sentBeforeCrash: true } : {}),
          });
        break;
      case 'refused':
        if (wanted(orderOf(e.env)))
          events.push({
            ...at,
            kind: 'refused',
            from: e.env.from,
            to: e.env.to,
            text: describeMessage(e.env),
          });
        break;
      case 'fault':
        // A fault about no message and no order (a skewed clock) concerns every order.
        if ((e.env === undefined && e.subject === undefined) || wanted(e.env ? orderOf(e.env) : e.subject))
          events.push({
            ...at,
            kind: 'fault',
            fault: e.fault,
            detail: e.detail,
            message: e.env && { from: e.env.from, to: e.env.to, text: describeMessage(e.env) },
          });
        break;
      case 'note':
        if (wanted(e.subject))
          events.push({
            ...at,
            kind: 'note',
            owner: e.owner,
            text: e.text,
            ...(e.failure ? { failure: e.failure } : {}),
          });
        break;
      case 'write': {
        const row = e.row as { status?: unknown; orderId?: string };
        if (!wanted(row.orderId ?? e.key)) break;
        if (e.table === 'captures')
          events.push({
            ...at,
            kind: 'money',
            owner: e.owner,
            text: `captures ${(e.row as { amount: number }).amount} for ${e.key}`,
          });
        else if (e.table === 'refunds')
          events.push({
            ...at,
            kind: 'money',
            owner: e.owner,
            text: `refunds ${(e.row as { amount: number }).amount} for ${(e.row as { outTradeNo: string }).outTradeNo}`,
          });
        else if (factsOf(e).length > 0) tellFacts(e, at, e.owner);
        else if (row.status !== undefined) state(at, e.owner, e.table, e.key, String(row.status));
        if (e.fulfils) ship(at, e.owner, e.key);
        break;
      }
      case 'observe':
      case 'commit':
        tellFacts(e, at, e.owner);
        break;
      case 'crash':
      case 'restart':
        if (e.kind === 'crash') down.add(`${e.owner}#${e.replica ?? 0}`);
        else down.delete(`${e.owner}#${e.replica ?? 0}`);
        events.push({
          ...at,
          kind: e.kind,
          owner: e.owner,
          ...(e.replica === undefined ? {} : { replica: e.replica }),
        });
        break;
      default: {
        // A kind added to the kernel after this report was written: tell it, never crash on it.
        const entry = e as unknown as Record<string, unknown>;
        const unknown = unknownEvent(entry);
        if (wanted(unknown.subject))
          events.push({
            step: Number(entry.step),
            atMs: Number(entry.atMs),
            kind: 'unknown',
            entryKind: String(entry.kind),
            owner: unknown.owner,
            text: unknown.text,
          });
      }
    }
  }
  return events;
}

/** A deviation from the happy path: a fault, a crash, or a handler of your own code failing. */
export function isDeviation(event: StoryEvent): boolean {
  return (
    event.kind === 'fault' || event.kind === 'crash' || (event.kind === 'note' && event.failure === true)
  );
}
