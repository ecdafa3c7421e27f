import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/check/explore.ts';
import type { RunResult } from '../../src/check/simulate.ts';
import type { Story } from '../../src/check/story.ts';
import { resolveDesign } from '../../src/designs/load-design.ts';
import { allFaults } from '../../src/faults/catalogue.ts';
import type { TraceEntry } from '../../src/kernel/index.ts';
import { htmlReport } from '../../src/report/html-report.ts';
import { markdownReport } from '../../src/report/markdown-report.ts';
import { buildReport, coreParticipants } from '../../src/report/report-model.ts';
import { renderTimeline } from '../../src/report/timeline.ts';

async function scenario(name: string) {
  const story = JSON.parse(readFileSync(`scenarios/${name}.json`, 'utf8')) as Story;
  const design = await resolveDesign(story.design, 'scenarios');
  const result = await replay(design, story, { faults: new Set(allFaults) });
  return { design, result };
}

describe('the report model', () => {
  it('marks the step where a safety invariant broke, and closes the story with the verdict', async () => {
    const { design, result } = await scenario('seed-stale-query-answer');
    const model = buildReport({ design, result, replay: 'r', provenance: [] });
    const steps = model.story?.steps ?? [];
    const breaking = steps.filter((s) => s.breaking);
    // The stale NOTPAY moving the paid order back, then the verdict.
    expect(breaking.length).toBeGreaterThanOrEqual(2);
    expect(breaking.some((s) => s.kind === 'note' && /paid → paying/.test(s.text))).toBe(true);
    const last = steps[steps.length - 1];
    expect(last).toMatchObject({ kind: 'note', style: 'verdict-broken', breaking: true });
    expect(last?.kind === 'note' && last.text).toMatch(/^✗ monotone-state: /);
    const breakTimes = new Set(result.violations.map((v) => v.atMs));
    expect(steps.slice(0, -1).every((s) => s.breaking === breakTimes.has(s.atMs))).toBe(true);
  });

  it('draws a lifeline for each service, faults as fault steps and crashes on the crashed service', async () => {
    const { design, result } = await scenario('seed-app-crash');
    const model = buildReport({ design, result, replay: 'r', provenance: [] });
    expect(model.story?.participants.map((p) => p.label)).toEqual([
      'user',
      'app',
      'Redis',
      'MQ',
      'payment center',
      'gateway',
    ]);
    expect(model.story?.steps).toContainEqual(
      expect.objectContaining({ kind: 'note', style: 'crash', over: ['app'] }),
    );
    expect(model.broken).toBe('closed-loop');
    expect(model.invariants.find((i) => i.name === 'closed-loop')?.status).toBe('violated');
    expect(model.story?.finalStates.map((o) => o.orderId)).toEqual(['o1.1']);
  });

  it('adds a lifeline for a sender outside the core services (the attacker of a forged callback)', async () => {
    const { design, result } = await scenario('naive-forged-callback');
    const model = buildReport({ design, result, replay: 'r', provenance: [] });
    expect(model.story?.participants.map((p) => p.id)).toEqual([
      ...coreParticipants.map((p) => p.id),
      'attacker',
    ]);
    expect(model.story?.steps).toContainEqual(
      expect.objectContaining({ kind: 'message', from: 'attacker', to: 'pc', fault: 'notify.forged' }),
    );
  });

  it('renders a trace entry of an unknown kind as a note, in the reports but not in the plain story', async () => {
    const { design, result } = await scenario('seed-redis-race');
    const index = result.trace.findIndex((e) => e.kind === 'write');
    const entry = result.trace[index] as TraceEntry;
    const unknown = {
      step: entry.step,
      atMs: entry.atMs,
      kind: 'handler.commit',
      owner: 'app',
      subject: 'o1.1',
      text: 'commits the order row',
    } as unknown as TraceEntry;
    const trace = [...result.trace.slice(0, index), unknown, ...result.trace.slice(index)];
    const withUnknown: RunResult = { ...result, trace };
    const model = buildReport({ design, result: withUnknown, replay: 'r', provenance: [] });
    expect(model.story?.steps).toContainEqual(
      expect.objectContaining({
        kind: 'note',
        style: 'note',
        over: ['app'],
        text: 'handler.commit: commits the order row',
      }),
    );
    expect(htmlReport(model)).toContain('handler.commit: commits the order row');
    expect(markdownReport(model)).toContain(
      'Note over p_app: 00:00.032 handler.commit: commits the order row',
    );
    const orders = ['o1.1', 'o1.2'];
    expect(renderTimeline(trace, { orders }).length).toBeGreaterThan(5);
    expect(renderTimeline(trace, { orders })).toEqual(renderTimeline(result.trace, { orders }));
    expect(renderTimeline(trace, { orders, verbose: true }).join('\n')).toContain(
      'app: handler.commit: commits the order row',
    );
  });

  it('heads the final states of a story cut at its last break with when the run ended, as the terminal does', async () => {
    const { design, result } = await scenario('without-paying-lock-double-charge');
    const model = buildReport({ design, result, replay: 'r', provenance: [] });
    const heading =
      'Final state of the orders involved, when the run ended at 12h00:00.036 (the story above stops at its last break, at 00:02.188; what happened after is not told)';
    expect(markdownReport(model)).toContain(`\n## ${heading}\n`);
    expect(htmlReport(model)).toContain(`<h2>${heading}</h2>`);
  });

  it('gives byte-identical reports for the same story', async () => {
    const a = await scenario('seed-forward-duplicated');
    const b = await scenario('seed-forward-duplicated');
    const html = (s: typeof a) =>
      htmlReport(buildReport({ design: s.design, result: s.result, replay: 'r', provenance: [] }));
    expect(html(a)).toBe(html(b));
  });

  it('reports a check that held without a story, naming the runs searched', async () => {
    const design = await resolveDesign('hardened');
    const model = buildReport({ design, runs: 40, replay: 'npx paysim check --seed 1', provenance: [] });
    expect(model.holds).toBe(true);
    expect(model.headline).toBe('No counterexample to hardened found in 40 runs.');
    expect(model.story).toBeUndefined();
    expect(htmlReport(model)).not.toContain('<svg');
    expect(markdownReport(model)).not.toContain('```mermaid');
    // The kind column is explained under the table.
    const legend =
      'safety: never broken at any step of the run; quiescence: holds once nothing is left to happen in it; liveness: what must happen does, within the bound the design states.';
    expect(markdownReport(model)).toContain(`\n\nKinds: ${legend}\n\n## Design`);
    expect(htmlReport(model)).toContain(`<p class="legend">Kinds: ${legend}</p>`);
  });
});
