// The app's own clock, made the world's: @sinonjs/fake-timers installed for the length of a run,
// so `Date`, `setTimeout` and `setInterval` (and every library built on them, SDK retries and cron
// schedules included) follow the world's virtual time. `queueMicrotask`, `nextTick` and
// `setImmediate` stay real: fetch, msw and PGlite hang without them, and paysim drains with them.
// The world wakes the clock when its next timer is due, so an app timer fires at its own moment,
// interleaved with the world's events; a crash clears the app's timers with its process.

import { install } from '@sinonjs/fake-timers';

type InstalledClock = ReturnType<typeof install>;

/** What the world offers: its time, and a timer that dies with the app's process. */
export interface WorldTimers {
  now(): number;
  after(ms: number, fire: () => Promise<void>): void;
}

interface FakeTimer {
  readonly callAt: number;
}

export class VirtualTime {
  private clock: InstalledClock | undefined;
  /** When the world will next wake the clock, if it will. */
  private wakeAtMs: number | undefined;

  /** Installs the fake clock at the world's time; throws if another run holds it. */
  install(nowMs: number): void {
    if (this.clock !== undefined) return;
    this.clock = install({
      now: nowMs,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
      loopLimit: 1_000_000,
      // Libraries loaded before the run (undici, PGlite) may clear real timers of their own.
      shouldClearNativeTimers: true,
    });
  }

  uninstall(): void {
    this.clock?.uninstall();
    this.clock = undefined;
    this.wakeAtMs = undefined;
  }

  /** Drops every timer of the app (its process died), keeping the time. */
  clear(): void {
    const clock = this.clock;
    if (clock === undefined) return;
    const now = clock.now;
    clock.reset();
    clock.setSystemTime(now);
    this.wakeAtMs = undefined;
  }

  /**
   * After the app ran: asks the world to wake the clock when its earliest timer is due, unless a
   * wake-up at or before then is already set. The world's timer brings the clock to its time
   * (`advanceTo`, in the host's step), which fires the timer; the host then schedules again.
   */
  schedule(world: WorldTimers): void {
    const due = this.nextDueMs();
    if (due === undefined || (this.wakeAtMs !== undefined && this.wakeAtMs <= due)) return;
    this.wakeAtMs = due;
    world.after(Math.max(0, due - world.now()), async () => {
      if (this.wakeAtMs === due) this.wakeAtMs = undefined;
    });
  }

  /** Moves the app's clock to the world's time, firing the timers due by then, each at its moment. */
  async advanceTo(nowMs: number): Promise<void> {
    const clock = this.clock;
    if (clock === undefined || nowMs <= clock.now) return;
    const due = this.nextDueMs();
    // Only firing timers needs the asynchronous tick (it lets each timer's promises run before the next).
    if (due === undefined || due > nowMs) clock.tick(nowMs - clock.now);
    else await clock.tickAsync(nowMs - clock.now);
  }

  private nextDueMs(): number | undefined {
    // fake-timers keeps its pending timers in a map by id; it has no public "next due" query.
    const timers = (this.clock as unknown as { timers?: Map<number, FakeTimer> } | undefined)?.timers;
    let due: number | undefined;
    for (const timer of timers?.values() ?? [])
      if (due === undefined || timer.callAt < due) due = timer.callAt;
    return due;
  }
}
