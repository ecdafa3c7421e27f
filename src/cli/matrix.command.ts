import { Command } from 'commander';
import { explore } from '../check/explore.ts';
import { necessityMatrix } from '../check/matrix.ts';
import { formatReplayCommand } from '../check/story.ts';
import { resolveDesign } from '../designs/load-design.ts';
import { isOn, mitigationNames } from '../designs/variants.ts';
import { allFaults } from '../faults/catalogue.ts';
import { choiceOf, positiveInt } from './parse.ts';

interface MatrixFlags {
  design: string;
  runs: number;
  seeds: number;
  orders: number;
  provider?: 'wechat' | 'alipay';
  json?: boolean;
}

export function matrixCommand(): Command {
  return new Command('matrix')
    .description(
      'For each mitigation of a design, switch that one off and search for the invariant it protects.',
    )
    .option('--design <name|file>', 'the base design: a preset or a JSON design file', 'hardened')
    .option('--runs <n>', 'generated worlds per seed and row', positiveInt('--runs'), 2000)
    .option(
      '--seeds <n>',
      'fixed seeds 1..n to try per row before reporting "not found"',
      positiveInt('--seeds'),
      1,
    )
    .option('--orders <n>', 'at most this many concurrent orders per world', positiveInt('--orders'), 3)
    .option(
      '--provider <name>',
      "override the design's provider: wechat or alipay",
      choiceOf('--provider', ['wechat', 'alipay'] as const),
    )
    .option('--json', 'print one JSON document to stdout and nothing else')
    .addHelpText(
      'after',
      '\nExamples:\n  npx paysim matrix\n  npx paysim matrix --design hardened --provider alipay --json',
    )
    .action(async (flags: MatrixFlags) => {
      const design = await resolveDesign(
        flags.provider ? `${flags.design},provider=${flags.provider}` : flags.design,
      );
      const seeds = Array.from({ length: flags.seeds }, (_, i) => i + 1);
      if (!flags.json) {
        process.stdout.write(
          `npx paysim matrix --design ${design.name} --runs ${flags.runs} --seeds ${flags.seeds} --orders ${flags.orders}\n\n`,
        );
      }
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
      // A matrix only means something against a base that holds: check the base on the same budget.
      for (const seed of seeds) {
        const base = await explore({ design, runs: flags.runs, seed, maxOrders: flags.orders, faults });
        const c = base.counterexample;
        if (c === undefined) continue;
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
      const rows = await necessityMatrix({
        base: design,
        seeds,
        runsPerSeed: flags.runs,
        maxOrders: flags.orders,
        faults: new Set(allFaults),
      });
      // A row that found nothing says so with its budget: the search may simply have been too small.
      const out = rows.map((r) => {
        const c = r.report.counterexample;
        return {
          mitigation: r.mitigation,
          verdict: r.invariant ? 'broken' : 'not-found',
          invariant: r.invariant ?? null,
          runsSearched: r.runsUntilFound,
          runsUntilFound: r.invariant ? r.runsUntilFound : null,
          shrunkDeviations: c?.story.picks.length ?? null,
          shrunkEvents: r.shrunkLength ?? null,
          replay: c ? formatReplayCommand(c.story) : null,
        };
      });
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ design: design.name, provider: design.provider, seeds, runsPerSeed: flags.runs, rows: out }, null, 2)}\n`,
        );
        return;
      }
      const header = ['mitigation off', 'invariant broken', 'runs until found', 'shrunk story'];
      const body = out.map((r) => [
        r.mitigation,
        r.invariant ?? `not found in ${r.runsSearched} runs`,
        r.runsUntilFound === null ? '' : String(r.runsUntilFound),
        r.shrunkDeviations === null
          ? ''
          : `${r.shrunkDeviations} deviation${r.shrunkDeviations === 1 ? '' : 's'}, ${r.shrunkEvents} events`,
      ]);
      const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
      const line = (row: string[]) => `  ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
      const lines = [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ''];
      lines.push(
        '"not found in N runs": this search met no counterexample with that mitigation off. That is not a proof it is',
        'unneeded: the rest of the design may cover it, or a larger search (--runs, --seeds) may find one.',
      );
      if (out.some((r) => r.replay)) lines.push('Replay a row:');
      for (const r of out) if (r.replay) lines.push(`  ${r.replay}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
