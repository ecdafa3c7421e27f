// Renders a run as a whiteboard story in text: virtual time, sender → receiver, message, the fault
// applied, and the state changes of the orders involved. The events come from story-events.ts,
// which the HTML and Markdown reports read too.

import { invariants, type Violation } from '../invariants/index.ts';
import type { TraceEntry } from '../kernel/index.ts';
import { formatTime } from '../kernel/time-format.ts';
import { isDeviation, type StoryEvent, type StoryOptions, storyEvents } from './story-events.ts';

export { formatTime };

export type TimelineOptions = StoryOptions;

/** `#2` for the second instance of a replicated service; nothing for a single one. */
const instance = (replica: number | undefined) => (replica === undefined ? '' : `#${replica + 1}`);

/** One event as one line of text, without its time. */
export function eventText(event: StoryEvent): string {
  switch (event.kind) {
    case 'message':
      return `${event.from}${instance(event.fromReplica)} → ${event.to}${instance(event.replica)}  ${event.text}${event.tag ? `  [${event.tag}]` : ''}${event.sentBeforeCrash ? `  (sent before ${event.from}${instance(event.fromReplica)} crashed)` : ''}`;
    case 'refused':
      return `${event.from} → ${event.to}  ${event.text}  ✗ refused: ${event.to} is down`;
    case 'fault': {
      const what = event.message ? `${event.message.from} → ${event.message.to} ${event.message.text} ` : '';
      return `⚡ ${event.fault}: ${what}${event.detail}`;
    }
    case 'state':
      return `${event.owner}: ${event.table.replace(/s$/, '')} ${event.key} ${event.before ?? 'new'} → ${event.after}${event.reason === undefined ? '' : ` (${event.reason})`}`;
    case 'money':
      return `${event.owner}: ${event.text}`;
    case 'crash':
      return `⚡ ${event.owner}${instance(event.replica)} crashes (memory and timers lost, database kept)`;
    case 'restart':
      return `${event.owner}${instance(event.replica)} restarts from its database`;
    case 'note':
      return `${event.owner} ${event.text}`;
    case 'unknown':
      return `${event.owner ? `${event.owner}: ` : ''}${event.text}`;
  }
}

/** One line per event of the story; row writes are shown only when they change a status. */
export function renderTimeline(trace: readonly TraceEntry[], options: TimelineOptions = {}): string[] {
  // Entries of kinds this renderer does not know are noise in the story, but not in --verbose.
  const events = storyEvents(trace, options).filter((e) => options.verbose || e.kind !== 'unknown');
  const lines = events.map((e) => `${formatTime(e.atMs).padStart(12)}  ${eventText(e)}`);
  // --verbose tells every event, each at its own time.
  return options.verbose ? lines : collapseRepeats(summarisePrelude(lines, events));
}

/** The happy path before the first deviation, told in one line: when, and where it left the orders. */
function summarisePrelude(lines: string[], events: readonly StoryEvent[]): string[] {
  const first = events.findIndex(isDeviation);
  if (first <= 3) return lines;
  const statuses = new Map<string, string>();
  for (const e of events.slice(0, first))
    if (e.kind === 'state') statuses.set(`${e.owner}/${e.table}/${e.key}`, e.after);
  const reached = [...statuses].map(
    ([key, status]) => `${key.replace(/^(\w+)\/(\w+?)s\//, '$1 $2 ')} ${status}`,
  );
  const from = (lines[0] as string).slice(0, 12);
  const to = (lines[first - 1] as string).slice(0, 12).trim();
  const leaving = reached.length > 0 ? `, leaving: ${reached.join(', ')}` : '';
  const summary = `${from}  … ${to}  the happy path (${first} lines, --verbose shows them)${leaving}`;
  return [summary, ...lines.slice(first)];
}

/**
 * Runs of the same event at different times (a provider re-notifying into an outage) become one
 * line, and so do runs of the same two or three events (each callback and its rejection; each close
 * request and the state it moves back and forth).
 */
function collapseRepeats(lines: readonly string[]): string[] {
  const out: string[] = [];
  const body = (at: number) => (lines[at] as string).slice(12);
  /** How many times the `size` lines from `i` come again and again, themselves included. */
  const repeats = (i: number, size: number) => {
    let times = 1;
    const same = (from: number) => {
      for (let k = 0; k < size; k++)
        if (from + k >= lines.length || body(from + k) !== body(i + k)) return false;
      return true;
    };
    while (same(i + times * size)) times++;
    return times;
  };
  for (let i = 0; i < lines.length; ) {
    const size = [1, 2, 3].find((n) => repeats(i, n) > 1) ?? 1;
    const times = repeats(i, size);
    if (times === 1) {
      out.push(lines[i] as string);
      i++;
      continue;
    }
    // Twice is told as it is; more often, once and then how often again.
    const shown = times === 2 ? 2 * size : size;
    for (let k = 0; k < shown; k++) out.push(lines[i + k] as string);
    if (times > 2)
      out.push(
        `${' '.repeat(12)}  … the same ${times - 1} more times, the last at ${(lines[i + (times - 1) * size] as string).slice(0, 12).trim()}`,
      );
    i += times * size;
  }
  return out;
}

/** The timeline options that tell the story of a run's first violation. */
export function storyOf(violations: readonly Violation[]): TimelineOptions {
  const first = violations[0];
  if (first === undefined) return {};
  const isSafety = (v: Violation) => invariants.find((i) => i.name === v.invariant)?.kind === 'safety';
  if (!isSafety(first)) return { orders: first.orders };
  // Up to the last safety break of these orders: what the first one set in motion (the forwarded
  // result, the second shipment) is the rest of the story.
  let untilStep = first.step;
  for (const v of violations)
    if (isSafety(v) && v.orders.some((o) => first.orders.includes(o)))
      untilStep = Math.max(untilStep, v.step);
  return { orders: first.orders, untilStep };
}

/**
 * The heading of the final states: a story cut at a safety break shows less than the run did, so
 * the state after it may show what the story never told (a payment that came later).
 */
export function finalStateHeading(
  violations: readonly Violation[],
  involved: boolean,
  endMs: number,
): string {
  const what = involved ? 'Final state of the orders involved' : 'Final state';
  const { untilStep } = storyOf(violations);
  if (untilStep === undefined) return `${what}:`;
  const lastBreak = violations.find((v) => v.step === untilStep);
  return `${what}, when the run ended at ${formatTime(endMs)} (the story above stops at its last break${lastBreak === undefined ? '' : `, at ${formatTime(lastBreak.atMs)}`}; what happened after is not told):`;
}
