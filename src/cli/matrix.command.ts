import { Command } from 'commander';
import { explore } from '../check/explore.ts';
import { type MatrixRowOut, notApplicableRow, searchRow } from '../check/matrix.ts';
import { formatReplayCommand } from '../check/story.ts';
import type { MitigationName, ProviderName } from '../designs/design.ts';
import { resolveDesign } from '../designs/load-design.ts';
import { idleMitigationBecause, isOn, mitigationNames, weakenings } from '../designs/variants.ts';
import { allFaults } from '../faults/catalogue.ts';
import type { MachineEngine } from '../kernel/index.ts';
import {
  engineOption,
  forwardingOption,
  jsonOption,
  ordersOption,
  providerOption,
} from './common-options.ts';
import { designSpecHelp } from './design-spec-help.ts';
import { onInterrupt } from './interrupt.ts';
import { matrixTable } from './matrix-table.ts';
import { positiveInt } from './parse.ts';
import { progressBar, progressWanted } from './progress.ts';

interface MatrixFlags {
  design: string;
  runs: number;
  seeds: number;
  orders: number;
  provider?: ProviderName;
  forwarding?: 'direct' | 'mq';
  json?: boolean;
  engine: MachineEngine;
}

export function matrixCommand(): Command {
  return new Command('matrix')
    .description(
      'Weaken a design one way at a time (each mitigation switched off, each guarded write made plain) and search for the invariant that breaks.',
    )
    .option('--design <spec>', `the base design, ${designSpecHelp}`, 'hardened')
    .option('--runs <n>', 'generated worlds per seed and row', positiveInt('--runs'), 2000)
    .option(
      '--seeds <n>',
      'fixed seeds 1..n to try per row before reporting "not found"',
      positiveInt('--seeds'),
      1,
    )
    .addOption(ordersOption())
    .addOption(providerOption())
    .addOption(forwardingOption())
    .addOption(jsonOption())
    .addOption(engineOption())
    .addHelpText(
      'after',
      '\nExamples:\n  npx paysim matrix\n  npx paysim matrix --design hardened --provider alipay --json',
    )
    .action(async (flags: MatrixFlags) => {
      const overrides = [
        ...(flags.provider ? [`provider=${flags.provider}`] : []),
        ...(flags.forwarding ? [`forwarding=${flags.forwarding}`] : []),
      ];
      const design = await resolveDesign([flags.design, ...overrides].join(','));
      const seeds = Array.from({ length: flags.seeds }, (_, i) => i + 1);
      const write = (text: string) => {
        if (!flags.json) process.stdout.write(text);
      };
      write(
        `npx paysim matrix --design ${design.name} --runs ${flags.runs} --seeds ${flags.seeds} --orders ${flags.orders}\n\n`,
      );
      const faults = new Set(allFaults);
      if (!mitigationNames.some((m) => isOn(design, m))) {
        if (flags.json)
          process.stdout.write(`${JSON.stringify({ design: design.name, rows: [] }, null, 2)}\n`);
        else
          process.stdout.write(
            `${design.name} has no mitigation switched on: there is nothing to switch off.\n`,
          );
        return;
      }
      const rowsToSearch = weakenings(design);
      const rows: MatrixRowOut[] = [];
      const bar = progressBar(progressWanted(flags.json), '  {label} {bar} {value}/{total} runs');
      const progress = { stage: 'checking the base design', done: 0 };
      const stopListening = onInterrupt(
        () => interruptedSummary({ ...progress, rows, total: rowsToSearch.length, json: flags.json }),
        bar,
      );
      const onRun = (n: number) => {
        progress.done = n;
        bar?.update(n);
      };
      // A matrix only means something against a base that holds: check the base on the same budget.
      bar?.start(flags.runs * seeds.length, 'checking the base design');
      for (const [i, seed] of seeds.entries()) {
        const base = await explore({
          design,
          runs: flags.runs,
          seed,
          maxOrders: flags.orders,
          faults,
          engine: flags.engine,
          onRun: (n) => onRun(i * flags.runs + Math.min(n, flags.runs)),
        });
        const c = base.counterexample;
        if (c === undefined) continue;
        bar?.stop();
        stopListening();
        const first = c.violations[0];
        const message = `the base design ${design.name} is itself broken (${first?.invariant}: ${first?.message}); a necessity matrix needs a base that holds`;
        if (flags.json)
          process.stdout.write(
            `${JSON.stringify({ design: design.name, baseHolds: false, violation: first, replay: formatReplayCommand(c.story) }, null, 2)}\n`,
          );
        else process.stdout.write(`${message}.\nSee it: ${formatReplayCommand(c.story)}\n`);
        process.exitCode = 1;
        return;
      }
      bar?.stop();
      const table = matrixTable(
        rowsToSearch.map((r) => r.change),
        flags.runs * seeds.length,
        seeds.length,
      );
      write(`${table.head}\n`);
      // Each row is printed as soon as its search ends: a long matrix shows what it has found so far.
      for (const { change, design: weakened } of rowsToSearch) {
        const idle = isMitigation(change) ? idleMitigationBecause(design, change) : undefined;
        if (idle !== undefined) {
          const row = notApplicableRow(change, idle);
          rows.push(row);
          write(`${table.row(row)}\n`);
          continue;
        }
        progress.stage = `searching ${change}`;
        progress.done = 0;
        bar?.start(flags.runs * seeds.length, progress.stage);
        const row = await searchRow(change, weakened, {
          seeds,
          runsPerSeed: flags.runs,
          maxOrders: flags.orders,
          faults,
          engine: flags.engine,
          onRun,
        });
        bar?.stop();
        rows.push(row);
        write(`${table.row(row)}\n`);
      }
      stopListening();
      if (flags.json) {
        const out = rows.map((r) => ({ mitigation: r.weakening, ...r }));
        process.stdout.write(
          `${JSON.stringify({ design: design.name, provider: design.provider, seeds, runsPerSeed: flags.runs, rows: out }, null, 2)}\n`,
        );
        return;
      }
      const off = mitigationNames.filter((m) => !isOn(design, m));
      write(
        `\n${notFoundMeaning}\n${off.length === 0 ? '' : `Not in the table, as ${design.name} has them off already: ${off.join(', ')}.\n`}${replayLines(rows)}`,
      );
    });
}

const isMitigation = (change: string): change is MitigationName =>
  (mitigationNames as readonly string[]).includes(change);

// A row that found nothing says so with its budget: the search may simply have been too small.
const notFoundMeaning = [
  '"not found in N runs": this search met no counterexample with that weakening. That is not a proof the',
  'mitigation or guard is unneeded: the rest of the design may cover it, or a larger search (--runs, --seeds) may find one.',
].join('\n');

function replayLines(rows: readonly MatrixRowOut[]): string {
  const broken = rows.filter((r) => r.replay !== null);
  if (broken.length === 0) return '';
  return `Replay a row:\n${broken.map((r) => `  ${r.replay}\n`).join('')}`;
}

/** What a matrix cut short by Ctrl-C got through: the rows done and the counterexamples they found. */
function interruptedSummary(s: {
  stage: string;
  done: number;
  rows: readonly MatrixRowOut[];
  total: number;
  json?: boolean;
}): string {
  if (s.json)
    return `${JSON.stringify({ interrupted: true, during: s.stage, runsDone: s.done, rowsDone: s.rows.length, rows: s.total, found: s.rows.filter((r) => r.replay) }, null, 2)}\n`;
  const broken = s.rows.filter((r) => r.replay !== null);
  const found =
    broken.length === 0
      ? 'nothing found so far'
      : `${broken.length} row${broken.length === 1 ? '' : 's'} broken so far`;
  return `\nInterrupted while ${s.stage}, after ${s.done} runs: ${s.rows.length} of ${s.total} rows done, ${found}.\n${replayLines(s.rows)}`;
}
