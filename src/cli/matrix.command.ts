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
    .option('--runs <n>', 'generated worlds per seed and row', positiveInt('--runs'), 1000)
    .option(
      '--seeds <n>',
      'fixed seeds 1..n to try per row before calling it "held"',
      positiveInt('--seeds'),
      2,
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
      const out = rows.map((r) => ({
        mitigation: r.mitigation,
        invariant: r.invariant ?? 'held',
        runsUntilFound: r.invariant ? r.runsUntilFound : undefined,
        runsSearched: r.runsUntilFound,
        shrunkDeviations: r.report.counterexample?.story.picks.length,
        shrunkEvents: r.shrunkLength,
        replay: r.report.counterexample && formatReplayCommand(r.report.counterexample.story),
      }));
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ design: design.name, provider: design.provider, seeds, runsPerSeed: flags.runs, rows: out }, null, 2)}\n`,
        );
        return;
      }
      const header = ['mitigation off', 'invariant broken', 'runs until found', 'shrunk story'];
      const body = out.map((r) => [
        r.mitigation,
        r.invariant,
        r.runsUntilFound === undefined ? `none in ${r.runsSearched}` : String(r.runsUntilFound),
        r.shrunkDeviations === undefined
          ? ''
          : `${r.shrunkDeviations} deviation${r.shrunkDeviations === 1 ? '' : 's'}, ${r.shrunkEvents} events`,
      ]);
      const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
      const line = (row: string[]) => `  ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
      const lines = [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ''];
      lines.push(
        'A "held" row: no counterexample in the runs searched; the rest of the design covers that mitigation.',
      );
      if (out.some((r) => r.replay)) lines.push('Replay a row:');
      for (const r of out) if (r.replay) lines.push(`  ${r.replay}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
