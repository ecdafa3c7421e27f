// Renders a run as a whiteboard story: virtual time, sender → receiver, message, the fault applied,
// and the state changes of the orders involved. Reads the trace only.

import { orderIdOf } from '../domain/messages.ts';
import { invariants, type Violation } from '../invariants/index.ts';
import type { Envelope, TraceEntry } from '../kernel/index.ts';

function formatTime(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const milli = ms % 1000;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(milli).padStart(3, '0')}`;
  return h > 0 ? `${h}h${mmss}` : mmss;
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

function describe(env: Envelope): string {
  const msg = env.msg as unknown as Record<string, unknown>;
  const parts: string[] = [];
  const n = msg.notification as { outTradeNo: string; amount: number } | undefined;
  // An out_trade_no names the order and the attempt; show it instead of the bare order id.
  if (n) parts.push(`${n.outTradeNo} amount ${n.amount}`);
  else if (typeof msg.outTradeNo === 'string') parts.push(msg.outTradeNo);
  else {
    const about = orderOf(env);
    if (about) parts.push(about);
  }
  for (const key of ['status', 'result', 'value', 'httpStatus'] as const) {
    if (msg[key] !== undefined) parts.push(`${key}=${msg[key] === null ? 'nil' : String(msg[key])}`);
  }
  if (msg.ok === false) parts.push('error');
  return `${env.msg.type}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

export interface TimelineOptions {
  /** Only events about these orders (all orders when empty). */
  readonly orders?: readonly string[];
  /**
   * Every delivery, instead of the story: what users do, every fault, and the deliveries that
   * changed some service's durable state.
   */
  readonly verbose?: boolean;
  /** Stop after this step (where a safety invariant broke): what follows is not part of the story. */
  readonly untilStep?: number;
}

/** One line per event of the story; row writes are shown only when they change a status. */
export function renderTimeline(trace: readonly TraceEntry[], options: TimelineOptions = {}): string[] {
  const orders = options.orders ?? [];
  const wanted = (id: string | undefined) =>
    orders.length === 0 || (id !== undefined && orders.some((o) => id === o || id.startsWith(`${o}~`)));
  // A delivery tells the story if its handler wrote something, at once or one await later.
  const writeCauses = new Set(
    trace.flatMap((e) => (e.kind === 'write' && e.cause !== undefined ? [e.cause] : [])),
  );
  const tellsStory = (env: Envelope) =>
    options.verbose || env.from === 'users' || env.tag !== undefined || writeCauses.has(env.id);
  const lastStatus = new Map<string, unknown>();
  const shipments = new Map<string, number>();
  const replicaOf = (replica: number | undefined) => (replica === undefined ? '' : `#${replica + 1}`);
  const lines: string[] = [];
  // Where the run first leaves the happy path, and what the orders looked like just before.
  let prelude: { lines: number; statuses: string[] } | undefined;
  const deviation = () => {
    prelude ??= {
      lines: lines.length,
      statuses: [...lastStatus].map(
        ([key, status]) => `${key.replace(/^(\w+)\/(\w+?)s\//, '$1 $2 ')} ${status}`,
      ),
    };
  };
  for (const e of trace) {
    if (options.untilStep !== undefined && e.step > options.untilStep) break;
    const at = formatTime(e.atMs).padStart(12);
    switch (e.kind) {
      case 'deliver':
        if (wanted(orderOf(e.env)) && tellsStory(e.env))
          lines.push(
            `${at}  ${e.env.from} → ${e.env.to}${replicaOf(e.replica)}  ${describe(e.env)}${e.env.tag ? `  [${e.env.tag}]` : ''}`,
          );
        break;
      case 'refused':
        if (wanted(orderOf(e.env)))
          lines.push(
            `${at}  ${e.env.from} → ${e.env.to}  ${describe(e.env)}  ✗ refused: ${e.env.to} is down`,
          );
        break;
      case 'fault':
        if (wanted(e.env ? orderOf(e.env) : e.subject)) {
          deviation();
          const what = e.env ? `${e.env.from} → ${e.env.to} ${describe(e.env)} ` : '';
          lines.push(`${at}  ⚡ ${e.fault}: ${what}${e.detail}`);
        }
        break;
      case 'note':
        if (wanted(e.subject)) lines.push(`${at}  ${e.owner} ${e.text}`);
        break;
      case 'write': {
        const row = e.row as { status?: unknown; orderId?: string };
        const id = row.orderId ?? e.key;
        if (!wanted(id)) break;
        if (e.table === 'captures')
          lines.push(`${at}  ${e.owner}: captures ${(e.row as { amount: number }).amount} for ${e.key}`);
        else if (e.table === 'refunds')
          lines.push(
            `${at}  ${e.owner}: refunds ${(e.row as { amount: number }).amount} for ${(e.row as { outTradeNo: string }).outTradeNo}`,
          );
        else if (row.status !== undefined) {
          const key = `${e.owner}/${e.table}/${e.key}`;
          const before = lastStatus.get(key);
          if (before !== row.status)
            lines.push(
              `${at}  ${e.owner}: ${e.table.replace(/s$/, '')} ${e.key} ${before ?? 'new'} → ${String(row.status)}`,
            );
          lastStatus.set(key, row.status);
        }
        if (e.fulfils) {
          const shipped = (shipments.get(e.key) ?? 0) + 1;
          shipments.set(e.key, shipped);
          lines.push(`${at}  ${e.owner}: ships ${e.key} (shipment ${shipped})`);
        }
        break;
      }
      case 'crash':
        deviation();
        lines.push(
          `${at}  ⚡ ${e.owner}${replicaOf(e.replica)} crashes (memory and timers lost, database kept)`,
        );
        break;
      case 'restart':
        lines.push(`${at}  ${e.owner}${replicaOf(e.replica)} restarts from its database`);
        break;
    }
  }
  return collapseRepeats(options.verbose ? lines : summarisePrelude(lines, prelude));
}

/** The happy path before the first deviation, told in one line: when, and where it left the orders. */
function summarisePrelude(
  lines: string[],
  prelude: { lines: number; statuses: string[] } | undefined,
): string[] {
  if (prelude === undefined || prelude.lines <= 3) return lines;
  const from = (lines[0] as string).slice(0, 12);
  const to = (lines[prelude.lines - 1] as string).slice(0, 12).trim();
  const reached = prelude.statuses.length > 0 ? `: ${prelude.statuses.join(', ')}` : '';
  const summary = `${from}  … ${to}  the happy path (${prelude.lines} lines, --verbose shows them)${reached ? `, leaving${reached}` : ''}`;
  return [summary, ...lines.slice(prelude.lines)];
}

/** Runs of the same event at different times (a provider re-notifying into an outage) become one line. */
function collapseRepeats(lines: readonly string[]): string[] {
  const out: string[] = [];
  const body = (line: string) => line.slice(12);
  for (let i = 0; i < lines.length; ) {
    let j = i + 1;
    while (j < lines.length && body(lines[j] as string) === body(lines[i] as string)) j++;
    out.push(lines[i] as string);
    if (j - i > 2)
      out.push(
        `${' '.repeat(12)}  … the same ${j - i - 1} more times, the last at ${(lines[j - 1] as string).slice(0, 12).trim()}`,
      );
    else if (j - i === 2) out.push(lines[i + 1] as string);
    i = j;
  }
  return out;
}

/** The timeline options that tell the story of a run's first violation. */
export function storyOf(violations: readonly Violation[]): TimelineOptions {
  const first = violations[0];
  if (first === undefined) return {};
  const safety = invariants.find((i) => i.name === first.invariant)?.kind === 'safety';
  return { orders: first.orders, untilStep: safety ? first.step : undefined };
}
