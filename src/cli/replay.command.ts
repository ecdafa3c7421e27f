import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { replay } from '../check/explore.ts';
import {
  checkPicks,
  checkWorkload,
  formatReplayCommand,
  parsePicks,
  parseWorkload,
  type Story,
} from '../check/story.ts';
import { resolveDesign } from '../designs/load-design.ts';
import { allFaults } from '../faults/catalogue.ts';
import { invariants } from '../invariants/index.ts';
import { formatPicks, traceHash } from '../kernel/index.ts';
import { orderOutcomes, renderOutcomes } from '../report/final-state.ts';
import { renderTimeline, storyOf } from '../report/timeline.ts';
import { UsageError } from './usage-error.ts';

interface ReplayFlags {
  design?: string;
  workload?: string;
  picks?: string;
  file?: string;
  json?: boolean;
  verbose?: boolean;
}

interface Loaded {
  readonly story: Story;
  readonly lesson?: string;
  /** Where a design file named by the story is looked up. */
  readonly relativeTo?: string;
}

async function load(flags: ReplayFlags): Promise<Loaded> {
  if (flags.file !== undefined) {
    if (flags.design ?? flags.workload ?? flags.picks)
      throw new UsageError('give either --file or --design/--workload/--picks, not both');
    let saved: Story & { lesson?: string };
    try {
      saved = JSON.parse(await readFile(flags.file, 'utf8'));
    } catch (error) {
      throw new UsageError(`--file ${flags.file}: cannot read a saved story (${(error as Error).message})`);
    }
    if (
      typeof saved?.design !== 'string' ||
      !Array.isArray(saved.workload?.intents) ||
      !Array.isArray(saved.picks)
    ) {
      throw new UsageError(
        `--file ${flags.file}: expected an object with design, workload.intents and picks, as written by \`paysim check --save\``,
      );
    }
    try {
      checkWorkload(saved.workload);
      checkPicks(saved.picks);
    } catch (error) {
      throw new UsageError(`--file ${flags.file}: ${(error as Error).message}`);
    }
    return { story: saved, lesson: saved.lesson, relativeTo: dirname(flags.file) };
  }
  if (flags.workload === undefined)
    throw new UsageError('replay needs --workload (and usually --picks), or --file');
  try {
    const picks = checkPicks(parsePicks(flags.picks ?? ''));
    return { story: { design: flags.design ?? 'hardened', workload: parseWorkload(flags.workload), picks } };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function replayCommand(): Command {
  return new Command('replay')
    .description('Re-run one story exactly, as printed by `paysim check`, and show its timeline and verdict.')
    .option('--design <spec>', 'a preset or a JSON design file, with any changes (e.g. hardened,-outbox)')
    .option('--workload <list>', 'the purchases, e.g. o1:100@0,o2:2500@300 (intent:amount@startMs)')
    .option('--picks <list>', 'the deviations from the happy path, e.g. "notify.lost#0=1 pc.crash#3=1"')
    .option('--file <file>', 'a story saved with `paysim check --save`, or one of scenarios/*.json')
    .option('--verbose', 'show every delivery, not only the ones that tell the story')
    .option('--json', 'print one JSON document to stdout and nothing else')
    .addHelpText(
      'after',
      '\nExamples:\n  npx paysim replay --design seed --workload o1:100@0 --picks "user.submit#0=1"\n  npx paysim replay --file scenarios/seed-redis-race.json',
    )
    .action(async (flags: ReplayFlags) => {
      const { story, lesson, relativeTo } = await load(flags);
      const design = await resolveDesign(story.design, relativeTo);
      let result: Awaited<ReturnType<typeof replay>>;
      try {
        result = await replay(design, story, { faults: new Set(allFaults) });
      } catch (error) {
        // A pick naming an option its choice does not have (e.g. user.submit#0=9).
        if (error instanceof RangeError) throw new UsageError(`--picks: ${error.message}`);
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
      const timeline = renderTimeline(result.trace, {
        ...storyOf(result.violations),
        verbose: flags.verbose,
      });
      const verdict = result.violations.length > 0 ? 'violated' : 'held';
      if (flags.json) {
        const doc = {
          story,
          lesson,
          verdict,
          violations: result.violations,
          traceHash: traceHash(result.trace),
          finalStates: orderOutcomes(result),
          timeline,
        };
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      } else {
        const lines = [
          flags.file ? `npx paysim replay --file ${flags.file}` : formatReplayCommand(story),
          ...(lesson ? ['', lesson] : []),
          '',
          ...timeline.map((l) => `  ${l}`),
          '',
          'Final state:',
          '',
        ];
        lines.push(...renderOutcomes(orderOutcomes(result)).map((l) => `  ${l}`), '');
        if (result.violations.length === 0) lines.push('Verdict: every invariant held in this run.');
        for (const v of result.violations) {
          lines.push(
            `✗ ${v.invariant}: ${invariants.find((i) => i.name === v.invariant)?.statement}, but ${v.message}.`,
          );
        }
        lines.push('', `trace ${traceHash(result.trace).slice(0, 16)}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.exitCode = result.violations.length > 0 ? 1 : 0;
    });
}
