import { writeFile } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { explore } from '../check/explore.ts';
import { absoluteSpec, resolveDesign } from '../designs/load-design.ts';
import { allFaults } from '../faults/catalogue.ts';
import { verdictJson, verdictText } from '../report/verdict.ts';
import { checkWritable, choiceOf, faultList, positiveInt, seedInt } from './parse.ts';
import { describeSettings } from './run-settings.ts';
import { UsageError } from './usage-error.ts';

interface CheckFlags {
  design: string;
  runs: number;
  seed?: number;
  orders: number;
  provider?: 'wechat' | 'alipay';
  forwarding?: 'direct' | 'mq';
  faults?: string;
  withoutFaults?: string;
  json?: boolean;
  save?: string;
}

export function checkCommand(): Command {
  return new Command('check')
    .description('Explore many simulated worlds and report whether the design holds every invariant.')
    .option('--design <name|file>', 'a preset (naive, seed, hardened) or a JSON design file', 'hardened')
    .option('--runs <n>', 'how many worlds to generate', positiveInt('--runs'), 2000)
    .option('--seed <n>', 'the seed for generation (default: a fresh one, printed)', seedInt)
    .option('--orders <n>', 'at most this many concurrent orders per world', positiveInt('--orders'), 3)
    .option(
      '--provider <name>',
      "override the design's provider: wechat or alipay",
      choiceOf('--provider', ['wechat', 'alipay'] as const),
    )
    .option(
      '--forwarding <channel>',
      "override the design's forwarding: direct or mq",
      choiceOf('--forwarding', ['direct', 'mq'] as const),
    )
    .option('--faults <list>', 'only these faults (comma-separated, or "all"); see `paysim faults`')
    .option('--without-faults <list>', 'every fault but these (spelled --no-faults on the command line)')
    .option('--json', 'print one JSON document to stdout and nothing else')
    .option('--save <file>', 'save a counterexample to this file, for `paysim replay --file`')
    .addHelpText(
      'after',
      '\nExamples:\n  npx paysim check\n  npx paysim check --design seed --seed 7\n  npx paysim check --design my-design.json --faults notify.lost,pc.crash --runs 5000',
    )
    .action(async (flags: CheckFlags) => {
      if (flags.faults !== undefined && flags.withoutFaults !== undefined)
        throw new UsageError('give either --faults or --no-faults, not both');
      if (flags.save !== undefined) await checkWritable('--save', flags.save);
      const changes = [
        flags.provider && `provider=${flags.provider}`,
        flags.forwarding && `forwarding=${flags.forwarding}`,
      ];
      const design = await resolveDesign([flags.design, ...changes.filter(Boolean)].join(','));
      const excluded = flags.withoutFaults === undefined ? [] : faultList('--no-faults', flags.withoutFaults);
      const faults =
        flags.faults === undefined
          ? allFaults.filter((f) => !excluded.includes(f))
          : faultList('--faults', flags.faults);
      // The CLI, not the simulator, picks a fresh seed; it is printed so the run can be repeated.
      const seed = flags.seed ?? (Date.now() ^ (process.pid << 16)) & 0x7fffffff;
      const settings = { design, runs: flags.runs, seed, maxOrders: flags.orders, faults };
      if (!flags.json) process.stdout.write(`${describeSettings(settings)}\n\n`);
      const bar =
        !flags.json && process.stderr.isTTY && !process.env.CI
          ? new SingleBar({
              format: '  exploring {bar} {value}/{total} worlds',
              hideCursor: true,
              clearOnComplete: true,
              stream: process.stderr,
            })
          : undefined;
      bar?.start(flags.runs, 0);
      const started = performance.now();
      const report = await explore({
        design,
        runs: flags.runs,
        seed,
        maxOrders: flags.orders,
        faults: new Set(faults),
        onRun: bar && ((n) => bar.update(Math.min(n, flags.runs))),
      });
      bar?.stop();
      const elapsed = performance.now() - started;
      if (flags.json) process.stdout.write(`${JSON.stringify(verdictJson(report, elapsed), null, 2)}\n`);
      else process.stdout.write(`${verdictText(report, elapsed).join('\n')}\n`);
      if (flags.save !== undefined) {
        const c = report.counterexample;
        if (c) {
          const story = {
            design: absoluteSpec(design.name),
            workload: c.story.workload,
            picks: c.story.picks,
          };
          await writeFile(flags.save, `${JSON.stringify(story, null, 2)}\n`).catch((error: Error) => {
            throw new UsageError(`--save ${flags.save}: cannot write the counterexample (${error.message})`);
          });
        }
        if (!flags.json) {
          process.stdout.write(
            c
              ? `\nSaved the counterexample to ${flags.save}.\n`
              : '\nNothing to save: every invariant held.\n',
          );
        }
      }
      process.exitCode = report.counterexample ? 1 : 0;
    });
}
