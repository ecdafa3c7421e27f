import { Command } from 'commander';
import { ErrorTally } from '../check/error-tally.ts';
import { type ExploreReport, replay, withHandlerErrors } from '../check/explore.ts';
import { formatReplayCommand } from '../check/story.ts';
import { resolveDesign } from '../designs/load-design.ts';
import { idleFaults } from '../faults/catalogue.ts';
import { traceHash } from '../kernel/index.ts';
import { exitCodeOf, verdictJson, verdictText } from '../report/verdict.ts';
import { type ReportFormat, reportLines } from '../report/write-report.ts';
import { loadApp } from './app-config.ts';
import { colourWanted, paintFailures } from './colour.ts';
import { failOnErrorsOption, jsonOption, reportDirOption, reportOption } from './common-options.ts';
import { lessonFor } from './lessons.ts';
import { checkWritable } from './parse.ts';
import { checkReportOptions, writeSearchReport } from './report-files.ts';
import { describeSettings, yourCode } from './run-settings.ts';
import { designDigest, mergeShards, readShardResult, runRange } from './shards.ts';
import { isStoryText, saveCounterexample } from './story-file.ts';
import { UsageError } from './usage-error.ts';

interface MergeFlags {
  json?: boolean;
  verbose?: boolean;
  failOnErrors?: boolean;
  save?: string;
  report?: ReportFormat[];
  reportDir: string;
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description(
      "Combine the --json results of `paysim check --shard i/n` into the verdict one search of the seed's runs gives.",
    )
    .argument('<files...>', "the shards' results, e.g. shard-*.json")
    .option('--verbose', "tell the counterexample with every delivery, not only the story's")
    .addOption(failOnErrorsOption())
    .addOption(jsonOption())
    .option('--save <file>', 'save a counterexample to this file, for `paysim replay --file`')
    .addOption(reportOption('the merged verdict'))
    .addOption(reportDirOption())
    .addHelpText(
      'after',
      "\nThe smallest failing run among the shards wins; its shard shrank it exactly as a single search\nwould, so the merged counterexample, its replay line and its trace hash are the single search's.\n\nExample:\n  npx paysim check --runs 100000 --seed 7 --shard 1/2 --json > shard-1.json\n  npx paysim check --runs 100000 --seed 7 --shard 2/2 --json > shard-2.json\n  npx paysim merge shard-1.json shard-2.json",
    )
    .action(async (files: string[], flags: MergeFlags, command: Command) => {
      if (flags.save !== undefined) await checkWritable('--save', flags.save, isStoryText);
      await checkReportOptions(flags, command);
      const results = await Promise.all(files.map(readShardResult));
      const winner = mergeShards(results);
      const search = (results[0] as (typeof results)[number]).shard;
      const elapsed = Math.max(...results.map((r) => r.elapsedMs));
      const tally = new ErrorTally();
      for (const r of results) tally.merge(r.handlerErrors);
      let report: ExploreReport = withHandlerErrors(
        { design: search.design, seed: search.seed, runs: search.runs },
        tally.kinds(),
      );
      const c = winner?.counterexample;
      const app = search.app === undefined ? undefined : await loadApp(search.app);
      const design = await resolveDesign(search.design).catch((error: Error) => {
        // Only a file not found here may be a folder mistake; anything else is about the file.
        if (!/does not exist/.test(error.message)) throw error;
        throw new UsageError(
          `${error.message}: merge reads the design the shards ran (${search.design}) as check did, from the folder it runs in (${process.cwd()}); run it in the checkout the shards ran in`,
        );
      });
      if (search.designDigest !== undefined && designDigest(design) !== search.designDigest)
        throw new UsageError(
          `${search.design} has other settings here (${process.cwd()}) than when the shards ran it: the design file changed since; merge in the checkout the shards ran in`,
        );
      if (winner && c) {
        // The winning shard shrank the story; re-run it here for the timeline and final states,
        // and make sure this paysim and design still tell exactly that run.
        const story = {
          design: search.design,
          workload: c.workload,
          picks: c.picks,
          ...(search.app === undefined ? {} : { app: search.app }),
        };
        const result = await replay(design, story, {
          faults: new Set(search.faults),
          paymentCenter: app?.paymentCenter,
          businessApp: app?.businessApp,
          engine: search.engine,
        });
        if (traceHash(result.trace) !== c.traceHash)
          throw new UsageError(
            `${winner.file}: its counterexample replays to another trace here (${formatReplayCommand(story)}); merge with the paysim version and design files the shards ran with`,
          );
        report = {
          design: report.design,
          seed: report.seed,
          runs: c.foundAtRun,
          counterexample: {
            story,
            violations: result.violations,
            result,
            foundAtRun: c.foundAtRun,
            shrinks: c.shrinks,
          },
        };
      }
      const byIndex = [...results].sort((a, b) => a.shard.index - b.shard.index);
      const shards = byIndex.map((r) => ({
        index: r.shard.index,
        file: r.file,
        runs: `${r.shard.firstRun}-${r.shard.lastRun}`,
        verdict: r.counterexample ? 'violated' : 'held',
        ...(r.counterexample ? { foundAtRun: r.counterexample.foundAtRun } : {}),
        elapsedMs: r.elapsedMs,
      }));
      const environment = [...new Set(results.flatMap((r) => r.appEnvironment))].sort();
      const reports =
        flags.report === undefined
          ? []
          : await writeSearchReport(
              {
                design,
                report,
                rerun: search.check,
                yours: app?.yours ?? [],
                merged: `Merged from ${results.length} of ${search.count} shards (\`--shard i/${search.count}\`)${winner ? `; shard ${winner.shard.index} found it` : ''}.`,
              },
              flags.report,
              flags.reportDir,
            );
      if (flags.json) {
        const doc = {
          ...verdictJson(report, elapsed, { verbose: flags.verbose, failOnErrors: flags.failOnErrors }),
          ...(environment.length > 0 ? { appEnvironment: environment } : {}),
          faultsThatNeverStrike: idleFaults(search.faults, design),
          ...(flags.report ? { reports: reports.map((r) => r.path) } : {}),
          merged: { check: search.check, count: search.count, shards },
        };
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      } else {
        // What check printed under its command: the design and faults, in words.
        const [, ...described] = describeSettings({
          design,
          runs: search.runs,
          seed: search.seed,
          maxOrders: search.orders,
          faults: search.faults,
          app: search.app,
          yours: app?.yours,
          engine: search.engine,
        }).split('\n');
        const header = [
          `Merged ${results.length} of ${search.count} shards of: ${search.check}`,
          ...described,
          ...byIndex.map(
            ({ shard, counterexample, file }) =>
              `  shard ${shard.index}/${search.count} (${runRange(shard.firstRun, shard.lastRun)}): ${counterexample ? `first failing run ${counterexample.foundAtRun}` : 'held'}${shard.index === winner?.shard.index ? ' ← the smallest' : ''}  ${file}`,
          ),
          '',
        ];
        const lines = verdictText(report, elapsed, {
          verbose: flags.verbose,
          failOnErrors: flags.failOnErrors,
          lesson: await lessonFor(report.counterexample),
          environment,
          yours: yourCode(app?.yours),
          slowestShard: true,
        });
        process.stdout.write(`${[...header, ...paintFailures(lines, colourWanted())].join('\n')}\n`);
        if (reports.length > 0) process.stdout.write(`\n${reportLines(reports).join('\n')}\n`);
      }
      if (flags.save !== undefined) {
        const said = await saveCounterexample(flags.save, report);
        if (!flags.json) process.stdout.write(said);
      }
      process.exitCode = exitCodeOf(report, flags.failOnErrors);
    });
}
