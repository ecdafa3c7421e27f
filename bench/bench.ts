// npm run bench: paysim against a bare hand-written reducer doing the same order flows, measured in
// one process, one after the other, with a warm-up. Prints simulated events/s, order flows/s and
// property runs/s for both, and the ratio (how many times slower paysim is).

import fc from 'fast-check';
import { explore } from '../src/check/explore.ts';
import { simulate } from '../src/check/simulate.ts';
import type { Design } from '../src/designs/design.ts';
import { presets } from '../src/designs/presets.ts';
import { mitigationNames, withoutMitigation } from '../src/designs/variants.ts';
import { allFaults } from '../src/faults/catalogue.ts';
import { type Pick, ScriptedChoices } from '../src/kernel/index.ts';
import { renderTimeline, storyOf } from '../src/report/timeline.ts';
import type { Workload } from '../src/services/workload.ts';
import { baselineFlow, type Story } from './baseline.ts';

const design: Design = {
  ...(presets.hardened as Design),
  mitigations: { ...(presets.hardened as Design).mitigations, reconciliation: false },
};
const faults = new Set(allFaults);
const oneOrder: Workload = { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] };
const stories: Record<Story, Pick[]> = {
  happy: [],
  'lost-callback': [{ label: 'notify.lost', nth: 0, index: 1 }],
  'duplicate-callback': [{ label: 'notify.duplicated', nth: 0, index: 1 }],
};
const flows = Number(process.env.BENCH_FLOWS ?? 3000);
const propertyRuns = Number(process.env.BENCH_RUNS ?? 1000);

async function paysimFlow(story: Story): Promise<number> {
  const result = await simulate({
    design,
    workload: oneOrder,
    faults,
    choices: ScriptedChoices.replay(stories[story]),
  });
  if (result.violations.length > 0) throw new Error(`paysim ${story}: ${result.violations[0]?.message}`);
  return result.trace.filter((e) => e.kind === 'deliver').length;
}

async function time(
  fn: () => Promise<number> | number,
  n: number,
): Promise<{ seconds: number; events: number }> {
  for (let i = 0; i < Math.min(200, n); i++) await fn();
  const start = performance.now();
  let events = 0;
  for (let i = 0; i < n; i++) events += await fn();
  return { seconds: (performance.now() - start) / 1000, events };
}

const rate = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));
const rows: string[][] = [
  ['story', 'paysim events/s', 'baseline events/s', 'paysim flows/s', 'baseline flows/s', 'ratio'],
];
let paysimTotal = 0;
let baselineTotal = 0;
for (const story of Object.keys(stories) as Story[]) {
  const sim = await paysimFlow(story);
  const base = baselineFlow(story);
  if (sim !== base)
    throw new Error(`${story}: paysim delivered ${sim} messages, the baseline ${base}; the workloads differ`);
  const p = await time(() => paysimFlow(story), flows);
  const b = await time(() => baselineFlow(story), flows);
  paysimTotal += p.seconds;
  baselineTotal += b.seconds;
  rows.push([
    story,
    rate(p.events / p.seconds),
    rate(b.events / b.seconds),
    rate(flows / p.seconds),
    rate(flows / b.seconds),
    `${(p.seconds / b.seconds).toFixed(1)}×`,
  ]);
}

// Property runs: fast-check generating a workload and a fault script, running it, checking it.
const arbitrary = fc.tuple(fc.constantFrom(...(Object.keys(stories) as Story[])), fc.nat());
const paysimProperty = fc.asyncProperty(arbitrary, async ([story]) => (await paysimFlow(story)) > 0);
const baselineProperty = fc.property(arbitrary, ([story]) => baselineFlow(story) > 0);
const t0 = performance.now();
await fc.assert(paysimProperty, { numRuns: propertyRuns, seed: 1 });
const t1 = performance.now();
fc.assert(baselineProperty, { numRuns: propertyRuns, seed: 1 });
const t2 = performance.now();
const paysimRuns = propertyRuns / ((t1 - t0) / 1000);
const baselineRuns = propertyRuns / ((t2 - t1) / 1000);
rows.push([
  'property runs/s',
  '',
  '',
  rate(paysimRuns),
  rate(baselineRuns),
  `${(baselineRuns / paysimRuns).toFixed(1)}×`,
]);
rows.push(['all flows', '', '', '', '', `${(paysimTotal / baselineTotal).toFixed(1)}×`]);

const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
console.log(
  `paysim vs bare reducer, ${flows} flows per story, ${propertyRuns} property runs (Node ${process.versions.node})\n`,
);
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));

// Time to the first counterexample for every row of the necessity matrix: how long `check` takes
// to find (and shrink) the story that shows a mitigation is needed, and how long that story is.
const seeds = Array.from({ length: Number(process.env.BENCH_SEEDS ?? 5) }, (_, i) => i + 1);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};
const matrixRows: string[][] = [
  ['row', 'found', 'median time', 'median runs', 'median deviations', 'median timeline lines'],
];
for (const provider of ['wechat', 'alipay'] as const) {
  const base: Design = { ...(presets.hardened as Design), provider };
  for (const mitigation of mitigationNames) {
    const times: number[] = [];
    const runs: number[] = [];
    const deviations: number[] = [];
    const lines: number[] = [];
    for (const seed of seeds) {
      const start = performance.now();
      const report = await explore({
        design: withoutMitigation(base, mitigation),
        runs: 2000,
        seed,
        maxOrders: 3,
        faults,
      });
      const c = report.counterexample;
      if (!c) continue;
      times.push(performance.now() - start);
      runs.push(c.foundAtRun);
      deviations.push(c.story.picks.length);
      lines.push(renderTimeline(c.result.trace, storyOf(c.violations)).length);
    }
    if (times.length === 0) continue;
    matrixRows.push([
      `${provider} -${mitigation}`,
      `${times.length}/${seeds.length}`,
      `${(median(times) / 1000).toFixed(2)} s`,
      String(median(runs)),
      String(median(deviations)),
      String(median(lines)),
    ]);
  }
}
const mw = matrixRows[0]?.map((_, i) => Math.max(...matrixRows.map((r) => (r[i] ?? '').length))) ?? [];
console.log(
  `\nNecessity matrix rows that break (hardened, one mitigation off; ${seeds.length} seeds, up to 2000 runs each):\n`,
);
for (const r of matrixRows) console.log(r.map((c, i) => c.padEnd(mw[i] ?? 0)).join('  '));
