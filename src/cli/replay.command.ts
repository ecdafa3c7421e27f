import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { replay } from '../check/explore.ts';
import { formatReplayCommand, parseStoryPicks, parseWorkload } from '../check/story.ts';
import { resolveDesign } from '../designs/load-design.ts';
import { allFaults } from '../faults/catalogue.ts';
import { formatPicks, type MachineEngine, traceHash } from '../kernel/index.ts';
import { orderOutcomes } from '../report/final-state.ts';
import { buildReport } from '../report/report-model.ts';
import { renderTimeline, storyOf } from '../report/timeline.ts';
import { type ReportFormat, reportLines, type WrittenReport } from '../report/write-report.ts';
import { loadApp } from './app-config.ts';
import { colourWanted, paintFailures } from './colour.ts';
import { engineOption, jsonOption, reportDirOption, reportOption } from './common-options.ts';
import { designSpecHelp } from './design-spec-help.ts';
import { replayText } from './replay-text.ts';
import { checkReportOptions, writeReportFiles } from './report-files.ts';
import { loadStory, type StoryFile } from './story-file.ts';
import { UsageError } from './usage-error.ts';

interface ReplayFlags {
  engine: MachineEngine;
  design?: string;
  app?: string;
  workload?: string;
  picks?: string;
  file?: string;
  json?: boolean;
  verbose?: boolean;
  report?: ReportFormat[];
  reportDir: string;
}

interface Loaded {
  readonly story: StoryFile;
  /** Where a design file named by the story is looked up. */
  readonly relativeTo?: string;
}

/** The story to replay; `appDesign` is the design the --app config names, if any. */
async function load(flags: ReplayFlags, appDesign: string | undefined): Promise<Loaded> {
  if (flags.file !== undefined) {
    if (flags.design ?? flags.workload ?? flags.picks)
      throw new UsageError('give either --file or --design/--workload/--picks, not both');
    return { story: await loadStory(flags.file), relativeTo: dirname(flags.file) };
  }
  // A story means nothing without the design it ran against: never guess one. An --app config that
  // names its design says it, as it does for check.
  const design = flags.design ?? appDesign;
  if (design === undefined)
    throw new UsageError(
      `replay needs --design (the design the story ran against, as printed in its replay line)${flags.app === undefined ? '' : `, as ${flags.app} names none`}, or --file`,
    );
  if (flags.workload === undefined)
    throw new UsageError('replay needs --workload (and usually --picks), or --file');
  try {
    const picks = parseStoryPicks(flags.picks ?? '');
    return { story: { design, workload: parseWorkload(flags.workload), picks } };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function replayCommand(): Command {
  return new Command('replay')
    .description('Re-run one story exactly, as printed by `paysim check`, and show its timeline and verdict.')
    .option('--design <spec>', `the design the story ran against, ${designSpecHelp}`)
    .option('--workload <list>', 'the purchases, e.g. o1:100@0,o2:2500@300 (intent:amount@startMs)')
    .option(
      '--picks <list>',
      'the deviations from the happy path, label#nth=option with the option by number or name, e.g. "notify.lost#0=1 notify.duplicated#0=at-once" (`paysim faults` lists the names)',
    )
    .option('--file <file>', 'a story saved with `paysim check --save`, or one of scenarios/*.json')
    .option('--app <file>', 'the paysim.config.ts whose services the story ran (as its replay line says)')
    .option('--verbose', 'show every delivery, not only the ones that tell the story')
    .addOption(jsonOption())
    .addOption(reportOption('the story'))
    .addOption(reportDirOption())
    .addOption(engineOption())
    .addHelpText(
      'after',
      '\nA story file with "expect" is a regression case: the exit code says whether the run broke exactly\nthose invariants (0) or not (1).\n\nExamples:\n  npx paysim replay --design seed --workload o1:100@0 --picks "user.submit#0=1"\n  npx paysim replay --file scenarios/seed-redis-race.json --report html',
    )
    .action(async (flags: ReplayFlags, command: Command) => {
      const given = flags.app === undefined ? undefined : await loadApp(flags.app);
      const { story, relativeTo } = await load(flags, given?.design);
      await checkReportOptions(flags, command);
      const design = await resolveDesign(story.design, relativeTo);
      const appFile = flags.app ?? (story.app === undefined ? undefined : join(relativeTo ?? '.', story.app));
      const app = given ?? (appFile === undefined ? undefined : await loadApp(appFile));
      let result: Awaited<ReturnType<typeof replay>>;
      try {
        result = await replay(design, story, {
          faults: new Set(allFaults),
          paymentCenter: app?.paymentCenter,
          businessApp: app?.businessApp,
          engine: flags.engine,
        });
      } catch (error) {
        // A pick naming an option its choice does not have (e.g. user.submit#0=9).
        if (error instanceof RangeError)
          throw new UsageError(
            `${flags.file === undefined ? '--picks' : `--file ${flags.file}: picks`}: ${error.message}`,
          );
        throw error;
      }
      const unused = story.picks.filter(
        (p) => !result.picks.some((t) => t.label === p.label && t.nth === p.nth),
      );
      if (unused.length > 0 && !flags.json) {
        process.stderr.write(
          `note: never reached in this run, so they change nothing: ${formatPicks(unused)}\n`,
        );
      }
      const replayLine = flags.file
        ? `npx paysim replay --file ${flags.file}`
        : formatReplayCommand({ ...story, ...(appFile === undefined ? {} : { app: appFile }) });
      const text = replayText(story, result, {
        replayLine,
        verbose: flags.verbose,
        expectedErrors: app?.expectedErrors,
      });
      const mismatch = text.mismatch;
      let reports: WrittenReport[] = [];
      if (flags.report !== undefined) {
        const model = buildReport({
          design,
          result,
          replay: replayLine,
          lesson: story.lesson,
          provenance: mismatch ? [`Unexpected: ${mismatch}.`] : [],
          yours: app?.yours,
        });
        reports = await writeReportFiles(model, flags.report, flags.reportDir);
      }
      if (flags.json) {
        const doc = {
          story,
          lesson: story.lesson,
          verdict: result.violations.length > 0 ? 'violated' : 'held',
          ...(story.expect ? { asExpected: mismatch === undefined, expect: story.expect } : {}),
          violations: result.violations,
          traceHash: traceHash(result.trace),
          // What the text notes on stderr: picks this run never reached, which changed nothing.
          unreachedPicks: unused,
          finalStates: orderOutcomes(result),
          timeline: renderTimeline(result.trace, { ...storyOf(result.violations), verbose: flags.verbose }),
          ...(flags.report ? { reports: reports.map((r) => r.path) } : {}),
        };
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      } else {
        const lines = text.lines;
        if (reports.length > 0) lines.push('', ...reportLines(reports));
        process.stdout.write(`${paintFailures(lines, colourWanted()).join('\n')}\n`);
      }
      // A story with `expect` is a regression case: it passes when the run broke exactly that.
      process.exitCode = story.expect ? (mismatch ? 1 : 0) : result.violations.length > 0 ? 1 : 0;
    });
}
