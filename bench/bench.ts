// npm run bench: paysim against a bare hand-written reducer doing the same order flows, measured in
// one process, one after the other, with a warm-up. Both run as compiled JavaScript (tsc into .bench/),
// as the CLI runs paysim. Prints simulated events/s, order flows/s and
// property runs/s for both, and the ratio (how many times slower paysim is).

import fc from 'fast-check';
import { createPaymentCenter, paymentsFacts, paymentsSchema } from '../examples/http-payment-center.ts';
import { orderSql } from '../examples/order-store.ts';
import { paymentCenterBehindPort } from '../examples/payment-center-behind-port.ts';
import { orderService } from '../examples/simple-order-service.ts';
import { paymentCenter } from '../examples/simple-payment-center.ts';
import { SqlDatabase } from '../src/adapters/sql-database.ts';
import { closeSqlDatabases } from '../src/adapters/sql-engine.ts';
import { type ExploreOptions, explore } from '../src/check/explore.ts';
import { simulate } from '../src/check/simulate.ts';
import type { Design } from '../src/designs/design.ts';
import { presets } from '../src/designs/presets.ts';
import { weakenings } from '../src/designs/variants.ts';
import { allFaults } from '../src/faults/catalogue.ts';
import { httpPaymentCenter } from '../src/http/http-payment-center.ts';
import {
  type Pick as Decision,
  defaultEngine,
  type MachineEngine,
  ScriptedChoices,
} from '../src/kernel/index.ts';
import { renderTimeline, storyOf } from '../src/report/timeline.ts';
import type { Workload } from '../src/services/workload.ts';
import { baselineFlow, type Story } from './baseline.ts';
import { worldFloorFlow } from './world-floor.ts';

const design: Design = {
  ...(presets.hardened as Design),
  mitigations: { ...(presets.hardened as Design).mitigations, reconciliation: false },
};
const faults = new Set(allFaults);
const oneOrder: Workload = { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] };
const stories: Record<Story, Decision[]> = {
  happy: [],
  'lost-callback': [{ label: 'notify.lost', nth: 0, index: 1 }],
  'duplicate-callback': [{ label: 'notify.duplicated', nth: 0, index: 1 }],
};
const flows = Number(process.env.BENCH_FLOWS ?? 3000);
const propertyRuns = Number(process.env.BENCH_RUNS ?? 1000);

async function paysimFlow(story: Story, engine: MachineEngine = defaultEngine): Promise<number> {
  const result = await simulate({
    design,
    workload: oneOrder,
    faults,
    choices: ScriptedChoices.replay(stories[story]),
    engine,
  });
  if (result.violations.length > 0) throw new Error(`paysim ${story}: ${result.violations[0]?.message}`);
  return result.trace.filter((e) => e.kind === 'deliver').length;
}

// Warm-up before each timed loop, the same for paysim and for the baseline (a measurement fix,
// applied equally): paysim takes some 4,000 flows to reach its steady speed (tiering up its many
// functions; ~700 µs a flow at first, ~100 µs after), so 200 flows timed its warm-up as well.
const warmup = Number(process.env.BENCH_WARMUP ?? 5000);
// Each timed slice runs batches of n until it has run at least this long, both sides alike: the bare
// reducer does 3,000 flows in under 10 ms, where one scavenge or a timer tick swung its rate 2×.
const minSeconds = Number(process.env.BENCH_MIN_SECONDS ?? 0.3);
// This machine's speed drifts by a third from one second to the next (a shared VM), which moved a
// ratio measured in one slice a side by as much: the sides are timed in alternating slices, this many
// each, and each keeps its median slice.
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

interface Timing {
  /** Seconds per call. */
  readonly seconds: number;
  /** Events per call. */
  readonly events: number;
}

/** One slice of `fn`: batches of n calls until at least `minSeconds` have passed. */
async function slice(fn: () => Promise<number> | number, n: number): Promise<Timing> {
  const start = performance.now();
  let events = 0;
  let calls = 0;
  do {
    for (let i = 0; i < n; i++) events += await fn();
    calls += n;
  } while (performance.now() - start < minSeconds * 1000);
  return { seconds: (performance.now() - start) / 1000 / calls, events: events / calls };
}

/** The middle one of `values` ordered by `by` (the upper middle, for an even count). */
function middle<T>(values: readonly T[], by: (v: T) => number): T {
  return [...values].sort((a, b) => by(a) - by(b))[Math.floor(values.length / 2)] as T;
}

/** Each side warmed up, then timed in `rounds` alternating slices; the median slice of each. */
async function timeSides(sides: ReadonlyArray<() => Promise<number> | number>, n: number): Promise<Timing[]> {
  for (const fn of sides) for (let i = 0; i < warmup; i++) await fn();
  const slices: Timing[][] = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < sides.length; k++) slices[k]?.push(await slice(sides[k] as () => number, n));
  }
  return slices.map((timings) => middle(timings, (t) => t.seconds));
}

/** Each search (one fc.assert of `propertyRuns` runs) timed in alternating slices: runs per second, the median slice of each. */
async function runsPerSecondOf(searches: ReadonlyArray<() => unknown>): Promise<number[]> {
  const slices: number[][] = searches.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < searches.length; k++) {
      const start = performance.now();
      let done = 0;
      do {
        await (searches[k] as () => unknown)();
        done++;
      } while (performance.now() - start < minSeconds * 1000);
      slices[k]?.push((done * propertyRuns) / ((performance.now() - start) / 1000));
    }
  }
  return slices.map((rates) => middle(rates, (x) => x));
}

const rate = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));
// The machines run on the compiled engine (the default) and on XState's interpreter (the
// reference, `--engine xstate`), both against the same bare reducer, measured in this process.
const engines: readonly MachineEngine[] = ['compiled', 'xstate'];
const rows: string[][] = [
  [
    'story',
    'engine',
    'paysim events/s',
    'baseline events/s',
    'paysim flows/s',
    'baseline flows/s',
    'times slower',
  ],
];
const paysimTotal = new Map<MachineEngine, number>(engines.map((e) => [e, 0]));
let baselineTotal = 0;
let floorTotal = 0;
/** A table row: `p` against the baseline's `base`, timed in the same slices. */
const row = (story: string, engine: string, p: Timing, base: Timing): string[] => [
  story,
  engine,
  rate(p.events / p.seconds),
  rate(base.events / base.seconds),
  rate(1 / p.seconds),
  rate(1 / base.seconds),
  `${(p.seconds / base.seconds).toFixed(1)}×`,
];
for (const story of Object.keys(stories) as Story[]) {
  const base = baselineFlow(story);
  for (const engine of engines) {
    const sim = await paysimFlow(story, engine);
    if (sim !== base)
      throw new Error(
        `${story}: paysim delivered ${sim} messages, the baseline ${base}; the workloads differ`,
      );
  }
  const floor = await worldFloorFlow(stories[story]);
  if (floor !== base)
    throw new Error(`${story}: the world alone delivered ${floor} messages, the baseline ${base}`);
  const [b, f, ...sims] = await timeSides(
    [
      () => baselineFlow(story),
      () => worldFloorFlow(stories[story]),
      ...engines.map((engine) => () => paysimFlow(story, engine)),
    ],
    flows,
  );
  baselineTotal += (b as Timing).seconds;
  floorTotal += (f as Timing).seconds;
  rows.push(row(story, 'world alone', f as Timing, b as Timing));
  engines.forEach((engine, k) => {
    const p = sims[k] as Timing;
    paysimTotal.set(engine, (paysimTotal.get(engine) ?? 0) + p.seconds);
    rows.push(row(story, engine, p, b as Timing));
  });
}

// Property runs: fast-check generating a workload and a fault script, running it, checking it.
const arbitrary = fc.tuple(fc.constantFrom(...(Object.keys(stories) as Story[])), fc.nat());
const baselineProperty = fc.property(arbitrary, ([story]) => baselineFlow(story) > 0);
const paysimProperties = engines.map((engine) =>
  fc.asyncProperty(arbitrary, async ([story]) => (await paysimFlow(story, engine)) > 0),
);
// The same warm-up for every side: one untimed search of the same size with another seed.
fc.assert(baselineProperty, { numRuns: propertyRuns, seed: 2 });
for (const property of paysimProperties) await fc.assert(property, { numRuns: propertyRuns, seed: 2 });
const [baselineRuns, ...paysimRuns] = await runsPerSecondOf([
  () => fc.assert(baselineProperty, { numRuns: propertyRuns, seed: 1 }),
  ...paysimProperties.map((property) => () => fc.assert(property, { numRuns: propertyRuns, seed: 1 })),
]);
engines.forEach((engine, k) => {
  const runs = paysimRuns[k] as number;
  rows.push([
    'property runs/s',
    engine,
    '',
    '',
    rate(runs),
    rate(baselineRuns as number),
    `${((baselineRuns as number) / runs).toFixed(1)}×`,
  ]);
});
rows.push([
  'the 3 flows, total time',
  'world alone',
  '',
  '',
  '',
  '',
  `${(floorTotal / baselineTotal).toFixed(1)}×`,
]);
for (const engine of engines) {
  const ratio = (paysimTotal.get(engine) ?? 0) / baselineTotal;
  rows.push(['the 3 flows, total time', engine, '', '', '', '', `${ratio.toFixed(1)}×`]);
}

console.log(
  `paysim vs bare reducer, ${flows} flows per story and ${propertyRuns} property runs, each side timed in ${rounds} alternating slices of at least ${minSeconds} s (the median kept) after a warm-up of ${warmup} flows (Node ${process.versions.node}, ${import.meta.url.endsWith('.ts') ? 'TypeScript through tsx' : 'compiled JavaScript'})\n`,
);
printTable(rows);
// BENCH_ENGINES_ONLY=1 npm run bench prints only the table above.
if (process.env.BENCH_ENGINES_ONLY === '1') process.exit(0);

// What interleaving costs: the same flows with every handler's read and write one await apart (the
// default) and with each handler atomic (what the kernel did before; it hides every race).
const interleaving: string[][] = [['story', 'interleaved flows/s', 'atomic flows/s', 'cost']];
for (const story of Object.keys(stories) as Story[]) {
  const run = (atomicHandlers: boolean) => async () => {
    const result = await simulate({
      design,
      workload: oneOrder,
      faults,
      choices: ScriptedChoices.replay(stories[story]),
      atomicHandlers,
    });
    return result.trace.length;
  };
  const [interleaved, atomic] = (await timeSides([run(false), run(true)], flows)) as [Timing, Timing];
  interleaving.push([
    story,
    rate(1 / interleaved.seconds),
    rate(1 / atomic.seconds),
    `${(interleaved.seconds / atomic.seconds).toFixed(2)}×`,
  ]);
}
console.log('\nWhat interleaving costs per run (hardened, one order):\n');
printTable(interleaving);

// Your own code behind the ports: property runs/s (hardened, every fault, up to 3 orders) for the
// models, and for each example service with its rows in paysim's in-memory tables and in PostgreSQL
// (PGlite, in-process). PostgreSQL starts once per process (timed apart) and is emptied per run.
const appRuns = Number(process.env.BENCH_APP_RUNS ?? 300);
const hardened = presets.hardened as Design;
async function runsPerSecond(
  plug: Pick<ExploreOptions, 'businessApp' | 'paymentCenter'>,
  design: Design = hardened,
): Promise<number> {
  await explore({ design, runs: 20, seed: 99, maxOrders: 3, faults, ...plug });
  const start = performance.now();
  const report = await explore({ design, runs: appRuns, seed: 1, maxOrders: 3, faults, ...plug });
  if (report.counterexample) throw new Error(`bench: ${report.counterexample.violations[0]?.message}`);
  return appRuns / ((performance.now() - start) / 1000);
}
const bootStart = performance.now();
await SqlDatabase.fresh('bench', { schema: orderSql.schema });
const bootMs = performance.now() - bootStart;
const resetStart = performance.now();
for (let i = 0; i < 100; i++) await SqlDatabase.fresh('bench', { schema: orderSql.schema });
const resetMs = (performance.now() - resetStart) / 100;
const model = await runsPerSecond({});
const ports: string[][] = [['service', 'in-memory runs/s', 'PostgreSQL runs/s', 'PostgreSQL cost']];
ports.push(['the models (no port)', rate(model), '', '']);
for (const [name, plug] of [
  ['example order service', (store: 'memory' | 'sql') => ({ businessApp: orderService({ store }) })],
  ['example payment center', (store: 'memory' | 'sql') => ({ paymentCenter: paymentCenter({ store }) })],
] as const) {
  const memory = await runsPerSecond(plug('memory'));
  const sql = await runsPerSecond(plug('sql'));
  ports.push([name, rate(memory), rate(sql), `${(memory / sql).toFixed(1)}× slower`]);
}
console.log(
  `\nYour own code behind the ports (hardened, every fault, ${appRuns} runs; PostgreSQL starts once per process in ${(bootMs / 1000).toFixed(1)} s, then a fresh database per run costs ${resetMs.toFixed(1)} ms):\n`,
);
printTable(ports);

// The example payment center's logic served over HTTP, unmodified (Hono, the stripe SDK, a signed
// WeChat Pay client or alipay-sdk, msw, fake timers) against the same logic behind the port, both on
// PostgreSQL: the difference is what HTTP, the SDKs, msw and the fake clock cost.
const http: string[][] = [['provider', 'over HTTP runs/s', 'behind the port runs/s', 'HTTP cost']];
for (const provider of ['wechat', 'alipay', 'stripe'] as const) {
  const design: Design = { ...hardened, provider };
  const overHttp = await runsPerSecond(
    {
      paymentCenter: httpPaymentCenter({
        start: (env) => createPaymentCenter(env).fetch,
        sql: { schema: paymentsSchema, facts: paymentsFacts },
      }),
    },
    design,
  );
  const behindPort = await runsPerSecond({ paymentCenter: paymentCenterBehindPort() }, design);
  http.push([provider, rate(overHttp), rate(behindPort), `${(behindPort / overHttp).toFixed(1)}× slower`]);
}
console.log(
  `\nThe same payment logic over HTTP, run unmodified, and behind the port (hardened, every fault, ${appRuns} runs):\n`,
);
printTable(http);

// Time to the first counterexample for every row of the necessity matrix that breaks, with the
// earlier uniform search and with the aimed swarm search: how often each finds it within 2,000
// runs, after how many runs (median over the seeds that found it), and how long the story is; and
// how long the aimed search takes to find and shrink it on each engine (before the compiled engine,
// every check ran on XState's interpreter).
const seeds = Array.from({ length: Number(process.env.BENCH_SEEDS ?? 5) }, (_, i) => i + 1);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};
async function findRate(weakened: Design, search: 'plain' | 'aimed', engine: MachineEngine = defaultEngine) {
  const runs: number[] = [];
  const times: number[] = [];
  const deviations: number[] = [];
  const lines: number[] = [];
  for (const seed of seeds) {
    const start = performance.now();
    const report = await explore({
      design: weakened,
      runs: 2000,
      seed,
      maxOrders: 3,
      faults,
      search,
      engine,
    });
    const c = report.counterexample;
    if (!c) continue;
    times.push(performance.now() - start);
    runs.push(c.foundAtRun);
    deviations.push(c.story.picks.length);
    lines.push(renderTimeline(c.result.trace, storyOf(c.violations)).length);
  }
  return { runs, times, deviations, lines };
}
const matrixRows: string[][] = [
  [
    'row',
    'plain: found',
    'median runs',
    'aimed: found',
    'median runs',
    'median time',
    'on xstate',
    'median deviations',
    'median timeline lines',
  ],
];
for (const provider of ['wechat', 'alipay'] as const) {
  const base: Design = { ...(presets.hardened as Design), provider };
  for (const { change, design: weakened } of weakenings(base)) {
    const aimed = await findRate(weakened, 'aimed');
    if (aimed.runs.length === 0) continue;
    const plain = await findRate(weakened, 'plain');
    const onXstate = await findRate(weakened, 'aimed', 'xstate');
    matrixRows.push([
      `${provider} ${change}`,
      `${plain.runs.length}/${seeds.length}`,
      plain.runs.length > 0 ? String(median(plain.runs)) : '-',
      `${aimed.runs.length}/${seeds.length}`,
      String(median(aimed.runs)),
      `${(median(aimed.times) / 1000).toFixed(2)} s`,
      `${(median(onXstate.times) / 1000).toFixed(2)} s`,
      String(median(aimed.deviations)),
      String(median(aimed.lines)),
    ]);
  }
}
console.log(
  `\nNecessity matrix rows that break (hardened weakened once; ${seeds.length} seeds, up to 2000 runs each):\n`,
);
printTable(matrixRows);

function printTable(table: string[][]): void {
  const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of table) console.log(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));
}
await closeSqlDatabases();

// One long search on one thread and on a pool of two worker threads (`check --workers 2`): the same
// seed, so the same verdict; the pool's time includes starting its threads (tsx and the simulator
// loaded in each) and shrinking on one thread, as `paysim check` pays them.
{
  const { exploreIndexed } = await import('../src/check/pool.ts');
  const runs = Number(process.env.BENCH_POOL_RUNS ?? 20_000);
  const search = { design: presets.hardened as Design, runs, seed: 11, maxOrders: 3, faults };
  const seconds = async (search: () => Promise<unknown>) => {
    const start = performance.now();
    await search();
    return (performance.now() - start) / 1000;
  };
  let one: Awaited<ReturnType<typeof explore>> | undefined;
  let two: Awaited<ReturnType<typeof explore>> | undefined;
  const oneS = await seconds(async () => (one = await explore(search)));
  const twoS = await seconds(async () => (two = await exploreIndexed({ ...search, workers: 2 })));
  if (one?.runs !== two?.runs || one?.counterexample?.foundAtRun !== two?.counterexample?.foundAtRun)
    throw new Error('the worker pool told another verdict than one thread');
  console.log(
    `\nOne long search (hardened, every fault, ${runs} runs, seed 11), one thread and --workers 2:\n`,
  );
  printTable([
    ['threads', 'runs/s', 'seconds', 'speedup'],
    ['1', rate(runs / oneS), oneS.toFixed(1), ''],
    ['2 (starting the pool included)', rate(runs / twoS), twoS.toFixed(1), `${(oneS / twoS).toFixed(2)}×`],
  ]);
}
