import { describe, expect, it } from 'vitest';
import {
  type Envelope,
  type FaultPolicy,
  ScriptedChoices,
  type Service,
  World,
} from '../../src/kernel/index.ts';

const policy = (crashable: string[] = []): FaultPolicy => ({
  linkFaults: (env) =>
    env.msg.type === 'ping'
      ? { lost: 'ping.lost', duplicated: 'ping.duplicated', delayed: 'ping.delayed' }
      : undefined,
  corrupt: (msg) => msg,
  crashLabel: (owner) => (crashable.includes(owner) ? `${owner}.crash` : undefined),
  schedulingLabel: (owner, decision) => `${owner}.${decision}`,
});

function world(picks: Parameters<typeof ScriptedChoices.replay>[0], crashable: string[] = []) {
  return new World({
    choices: ScriptedChoices.replay(picks),
    faults: policy(crashable),
    latencyMs: 10,
    delayOptionsMs: [1000],
    restartAfterMs: 500,
    stepMs: 2,
    stallOptionsMs: [100],
    horizonMs: 60_000,
    maxSteps: 1000,
  });
}

/** Counts pings; on start, schedules a timer that sends one ping and writes a row. */
class Pinger implements Service {
  readonly address = 'a';
  starts = 0;
  constructor(private readonly w: World) {}
  start(): void {
    this.starts++;
    if (this.starts > 1) return;
    this.w.setTimer('a', 100, () => {
      this.w.write('a', 'log', 'sent', { status: 'sending' });
      this.w.send('a', 'b', { type: 'ping' });
    });
  }
  crash(): void {}
  deliver(): void {}
}

class Sink implements Service {
  readonly address = 'b';
  readonly received: Envelope[] = [];
  start(): void {}
  crash(): void {}
  deliver(env: Envelope): void {
    this.received.push(env);
  }
}

describe('World', () => {
  it('delivers after the latency and records the delivery in the trace', async () => {
    const w = world([]);
    const sink = new Sink();
    w.add(new Pinger(w));
    w.add(sink);
    await w.run();
    expect(sink.received.map((e) => [e.msg.type, e.sentAtMs])).toEqual([['ping', 100]]);
    expect(w.trace.filter((e) => e.kind === 'deliver').map((e) => e.atMs)).toEqual([110]);
  });

  it('applies a scripted loss, duplicate or delay and records the fault', async () => {
    for (const [label, index, deliveredAt] of [
      ['ping.lost', 1, []],
      ['ping.duplicated', 1, [110, 110]],
      ['ping.delayed', 1, [1110]],
    ] as const) {
      const w = world([{ label, nth: 0, index }]);
      const sink = new Sink();
      w.add(new Pinger(w));
      w.add(sink);
      await w.run();
      expect(w.trace.filter((e) => e.kind === 'deliver').map((e) => e.atMs)).toEqual(deliveredAt);
      expect(w.trace.some((e) => e.kind === 'fault' && e.fault === label)).toBe(true);
    }
  });

  it('crashes a service before an effect: the effect is not carried out, its timers are dropped, it restarts later', async () => {
    const w = world([{ label: 'a.crash', nth: 0, index: 1 }], ['a']);
    const pinger = new Pinger(w);
    const sink = new Sink();
    w.add(pinger);
    w.add(sink);
    await w.run();
    expect(w.store('a').get('log', 'sent')).toBeUndefined();
    expect(sink.received).toEqual([]);
    expect(w.trace.map((e) => e.kind)).toEqual(['crash', 'restart']);
    expect(pinger.starts).toBe(2);
  });
});
