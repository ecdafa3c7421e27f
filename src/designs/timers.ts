// The moments a design's own timers fire, measured from when the pay page opens: the callback
// timeout and each timeout query, the business app's queries, the order timeout. Races live at
// these edges, so users pay, and the search aims faults, just before, at and just after them.

import type { Design } from './design.ts';

export interface DesignTimer {
  readonly what: string;
  readonly atMs: number;
}

export function designTimers(design: Design): DesignTimer[] {
  const timers: DesignTimer[] = [];
  const q = design.mitigations.timeoutQuery;
  if (q) {
    timers.push({ what: "the payment center's callback timeout (timeout query 1)", atMs: q.afterMs });
    let at = q.afterMs;
    q.intervalsMs.forEach((interval, i) => {
      at += interval;
      timers.push({
        what: i === q.intervalsMs.length - 1 ? 'the last timeout query' : `timeout query ${i + 2}`,
        atMs: at,
      });
    });
  }
  const a = design.mitigations.appQuery;
  if (a) {
    for (let i = 0; i < a.attempts; i++)
      timers.push({ what: `the business app's query ${i + 1}`, atMs: a.afterMs + i * a.intervalMs });
  }
  timers.push({ what: "the business app's order timeout", atMs: design.timing.orderTimeoutMs });
  return timers;
}
