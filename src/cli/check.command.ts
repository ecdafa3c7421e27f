import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { type ExploreReport, explore } from '../check/explore.ts';
import { defaultWorkers, exploreIndexed, longSearchRuns, type Shard, shardRange } from '../check/pool.ts';
import type { ProviderName } from '../designs/design.ts';
import { DesignError, resolveDesign } from '../designs/load-design.ts';
import { allFaults, idleFaults, noneCanStrike } from '../faults/catalogue.ts';
import type { MachineEngine } from '../kernel/index.ts';
import { exitCodeOf, verdictJson, verdictText } from '../report/verdict.ts';
import { type ReportFormat, reportLines, type WrittenReport } from '../report/write-report.ts';
import { loadApp } from './app-config.ts';
import { colourWanted, paintFailures } from './colour.ts';
import {
  engineOption,
  failOnErrorsOption,
  forwardingOption,
  jsonOption,
  ordersOption,
  providerOption,
  reportDirOption,
  reportOption,
} from './common-options.ts';
import { designSpecHelp } from './design-spec-help.ts';
import { onInterrupt } from './interrupt.ts';
import { lessonFor } from './lessons.ts';
import { checkWritable, faultList, positiveInt, seedInt } from './parse.ts';
import { progressBar, progressWanted } from './progress.ts';
import { checkReportOptions, writeSearchReport } from './report-files.ts';
import { describeSettings, yourCode } from './run-settings.ts';
import { runRange, shardJson, shardOption } from './shards.ts';
import { isStoryText, saveCounterexample } from './story-file.ts';
import { UsageError } from './usage-error.ts';

interface CheckFlags {
  design?: string;
  app?: string;
  runs: number;
  seed?: number;
  orders: number;
  provider?: ProviderName;
  forwarding?: 'direct' | 'mq';
  faults?: string;
  withoutFaults?: string;
  json?: boolean;
  save?: string;
  verbose?: boolean;
  failOnErrors?: boolean;
  report?: ReportFormat[];
  reportDir: string;
  engine: MachineEngine;
  workers?: number;
  shard?: Shard;
}

export function checkCommand(): Command {
  return new Command('check')
    .description('Explore many simulated worlds and report whether the design holds every invariant.')
    .option('--design <spec>', `${designSpecHelp} (default: the --app config's, or hardened)`)
    .option('--app <file>', 'a paysim.config.ts plugging your own payment center or order service in')
    .option('--runs <n>', 'how many worlds to generate', positiveInt('--runs'), 2000)
    .option('--seed <n>', 'the seed for generation (default: a fresh one, printed)', seedInt)
    .addOption(ordersOption())
    .addOption(providerOption())
    .addOption(forwardingOption())
    .option('--faults <list>', 'only these faults (comma-separated), "all" or "none"; see `paysim faults`')
    .option('--without-faults <list>', 'every fault but these (comma-separated; --no-faults works too)')
    .option('--verbose', "tell the counterexample with every delivery, not only the story's")
    .addOption(failOnErrorsOption())
    .addOption(jsonOption())
    .option('--save <file>', 'save a counterexample to this file, for `paysim replay --file`')
    .addOption(reportOption('the verdict'))
    .addOption(reportDirOption())
    .addOption(engineOption())
    .option(
      '--workers <n>',
      `threads to search on, each running some of the seed's runs; the result is the one a single thread gives (default: the core count, ${availableParallelism()} here, for a search of ${longSearchRuns} runs or more, else 1: starting the threads takes a few tenths of a second, which a shorter search does not win back)`,
      positiveInt('--workers'),
    )
    .option(
      '--shard <i/n>',
      "search only the i-th of n equal parts of the seed's runs (for CI runners sharing one search); combine the parts' --json results with `paysim merge`",
      shardOption,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  npx paysim check\n  npx paysim check --design seed --seed 7 --report html\n  npx paysim check --design my-design.json --faults notify.lost,pc.crash --runs 5000\n  npx paysim check --runs 100000 --seed 7 --shard 2/4 --json > shard-2.json   # then: npx paysim merge shard-*.json',
    )
    .action(async (flags: CheckFlags, self: Command) => {
      if (flags.faults !== undefined && flags.withoutFaults !== undefined)
        throw new UsageError('give either --faults or --without-faults, not both');
      if (flags.shard !== undefined && flags.seed === undefined)
        throw new UsageError(
          `--shard ${flags.shard.index}/${flags.shard.count} needs --seed: the shards of one search split the runs of one seed, so give every runner the same one (e.g. --seed 7), or \`paysim merge\` cannot combine them`,
        );
      if (flags.save !== undefined) await checkWritable('--save', flags.save, isStoryText);
      await checkReportOptions(flags, self);
      const changes = [
        flags.provider && `provider=${flags.provider}`,
        flags.forwarding && `forwarding=${flags.forwarding}`,
      ];
      const app = flags.app === undefined ? undefined : await loadApp(flags.app);
      const base = flags.design ?? app?.design ?? 'hardened';
      const spec = [base, ...changes.filter(Boolean)].join(',');
      const design = await resolveDesign(spec).catch((error: unknown) => {
        // A design named by the --app config: say where it came from.
        if (flags.design !== undefined || app?.design === undefined || !(error instanceof DesignError))
          throw error;
        throw new DesignError(`--app ${flags.app}: its design: ${error.message}`);
      });
      const excluded =
        flags.withoutFaults === undefined ? [] : faultList('--without-faults', flags.withoutFaults);
      const faults =
        flags.faults === undefined
          ? allFaults.filter((f) => !excluded.includes(f))
          : faultList('--faults', flags.faults);
      const idle = noneCanStrike(faults, design);
      if (idle !== undefined)
        throw new UsageError(`${flags.faults === undefined ? '--without-faults' : '--faults'}: ${idle}`);
      // The CLI, not the simulator, picks a fresh seed; it is printed so the run can be repeated.
      const seed = flags.seed ?? (Date.now() ^ (process.pid << 16)) & 0x7fffffff;
      const yours = app?.yours ?? [];
      const settings = {
        design,
        runs: flags.runs,
        seed,
        maxOrders: flags.orders,
        faults,
        app: app?.file,
        yours,
        engine: flags.engine,
        environment: app?.environment,
      };
      const { from, to } = shardRange(flags.runs, flags.shard);
      if (flags.shard !== undefined && flags.shard.count > flags.runs)
        throw new UsageError(
          `--shard ${flags.shard.index}/${flags.shard.count}: ${flags.runs} runs cannot be split into ${flags.shard.count} shards; give no more shards than --runs`,
        );
      const shardText = flags.shard && ` --shard ${flags.shard.index}/${flags.shard.count}`;
      const [command, ...described] = describeSettings(settings).split('\n');
      const rerun = `${command}${shardText ?? ''}`;
      const workers = flags.workers ?? defaultWorkers(to - from);
      if (workers > availableParallelism())
        process.stderr.write(
          `paysim: --workers ${workers} is more than this machine's ${availableParallelism()} cores: the threads take turns, and each costs a few tenths of a second to start\n`,
        );
      if (!flags.json) {
        const extra = [
          ...(flags.shard === undefined
            ? []
            : [
                `  shard ${flags.shard.index}/${flags.shard.count}: ${runRange(from + 1, to)} of the seed's ${flags.runs}; combine the shards' --json results with \`paysim merge\``,
              ]),
          ...(workers > 1 ? [`  searching on ${workers} worker threads`] : []),
        ];
        process.stdout.write(`${[rerun, ...described, ...extra].join('\n')}\n\n`);
      }
      const bar = progressBar(progressWanted(flags.json), '  exploring {bar} {value}/{total} worlds');
      let done = 0;
      const stopListening = onInterrupt(
        () => interruptedSummary({ done, runs: to - from, rerun, json: flags.json }),
        bar,
      );
      bar?.start(to - from);
      const started = performance.now();
      const progress = (n: number) => {
        done = n;
        bar?.update(n);
      };
      const options = {
        design,
        runs: flags.runs,
        seed,
        maxOrders: flags.orders,
        faults: new Set(faults),
        paymentCenter: app?.paymentCenter,
        businessApp: app?.businessApp,
        app: app?.file,
        engine: flags.engine,
        expectedErrors: app?.expectedErrors,
      };
      // One thread and the whole seed: fast-check's own search, the reference the others equal.
      const report: ExploreReport =
        workers === 1 && flags.shard === undefined
          ? await explore({ ...options, onRun: progress })
          : await exploreIndexed({
              ...options,
              workers,
              shard: flags.shard,
              appModule: flags.app === undefined ? undefined : resolve(flags.app),
              onProgress: progress,
            });
      bar?.stop();
      stopListening();
      const elapsed = performance.now() - started;
      let reports: WrittenReport[] = [];
      if (flags.report !== undefined)
        reports = await writeSearchReport({ design, report, rerun, yours }, flags.report, flags.reportDir);
      if (flags.json) {
        const doc = {
          ...verdictJson(report, elapsed, { verbose: flags.verbose, failOnErrors: flags.failOnErrors }),
          // Names only: the values may be secrets. A replay line needs them set the same.
          ...(app?.environment.length ? { appEnvironment: app.environment } : {}),
          // What the header's notes say: faults given that this design offers no place for.
          faultsThatNeverStrike: idleFaults(faults, design),
          ...(flags.report ? { reports: reports.map((r) => r.path) } : {}),
          ...(flags.shard === undefined
            ? {}
            : { shard: shardJson(flags.shard, { ...settings, faults, rerun: command as string }) }),
        };
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      } else {
        const lines = verdictText(report, elapsed, {
          verbose: flags.verbose,
          failOnErrors: flags.failOnErrors,
          lesson: await lessonFor(report.counterexample),
          environment: app?.environment,
          yours: yourCode(app?.yours),
        });
        process.stdout.write(`${paintFailures(lines, colourWanted()).join('\n')}\n`);
        if (reports.length > 0) process.stdout.write(`\n${reportLines(reports).join('\n')}\n`);
      }
      if (flags.save !== undefined) {
        const said = await saveCounterexample(flags.save, report);
        if (!flags.json) process.stdout.write(said);
      }
      process.exitCode = exitCodeOf(report, flags.failOnErrors);
    });
}

/**
 * What a check cut short by Ctrl-C got through. A failing run is reported only once shrunk, so
 * before that it cannot be shown; past the run budget, the search was shrinking one.
 */
function interruptedSummary(s: { done: number; runs: number; rerun: string; json?: boolean }): string {
  const shrinking = s.done > s.runs;
  if (s.json)
    return `${JSON.stringify({ interrupted: true, runsDone: Math.min(s.done, s.runs), runs: s.runs, shrinking, counterexample: null }, null, 2)}\n`;
  const found = shrinking
    ? 'a counterexample was found and was being shrunk; run the same command again to see it'
    : 'no counterexample found so far';
  return `\nInterrupted after ${Math.min(s.done, s.runs)} of ${s.runs} runs: ${found}.\nRepeat it: ${s.rerun}\n`;
}
