import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { replay } from '../check/explore.ts';
import { formatReplayCommand, parsePicks, parseWorkload, type Story } from '../check/story.ts';
import { resolveDesign } from '../designs/load-design.ts';
import { allFaults } from '../faults/catalogue.ts';
import { invariants } from '../invariants/index.ts';
import { traceHash } from '../kernel/index.ts';
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

async function storyFrom(flags: ReplayFlags): Promise<Story> {
  if (flags.file !== undefined) {
    let saved: Story;
    try {
      saved = JSON.parse(await readFile(flags.file, 'utf8')) as Story;
    } catch (error) {
      throw new UsageError(
        `--file ${flags.file}: cannot read a saved counterexample (${(error as Error).message})`,
      );
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
    return saved;
  }
  if (flags.workload === undefined)
    throw new UsageError('replay needs --workload (and usually --picks), or --file');
  try {
    return {
      design: flags.design ?? 'hardened',
      workload: parseWorkload(flags.workload),
      picks: parsePicks(flags.picks ?? ''),
    };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function replayCommand(): Command {
  return new Command('replay')
    .description('Re-run one story exactly, as printed by `paysim check`, and show its timeline and verdict.')
    .option('--design <name|file>', 'a preset or a JSON design file')
    .option('--workload <list>', 'the purchases, e.g. o1:100@0,o2:2500@300 (intent:amount@startMs)')
    .option('--picks <list>', 'the deviations from the happy path, e.g. "notify.lost#0=1 pc.crash#3=1"')
    .option('--file <file>', 'a counterexample saved with `paysim check --save`')
    .option('--json', 'print one JSON document to stdout and nothing else')
    .addHelpText(
      'after',
      '\nExample:\n  npx paysim replay --design seed --workload o1:100@0 --picks "user.submit#0=1"',
    )
    .action(async (flags: ReplayFlags) => {
      const story = await storyFrom(flags);
      const design = await resolveDesign(story.design);
      const result = await replay(design, story, { faults: new Set(allFaults) });
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ story, verdict: result.violations.length > 0 ? 'violated' : 'held', violations: result.violations, traceHash: traceHash(result.trace), finalStates: orderOutcomes(result), timeline: renderTimeline(result.trace, { ...storyOf(result.violations), verbose: flags.verbose }) }, null, 2)}\n`,
        );
      } else {
        const lines = [
          formatReplayCommand(story),
          '',
          ...renderTimeline(result.trace, { ...storyOf(result.violations), verbose: flags.verbose }).map(
            (l) => `  ${l}`,
          ),
          '',
          'Final state:',
          '',
          ...renderOutcomes(orderOutcomes(result)).map((l) => `  ${l}`),
          '',
        ];
        if (result.violations.length === 0) lines.push('Verdict: every invariant held in this run.');
        for (const v of result.violations)
          lines.push(
            `✗ ${v.invariant}: ${invariants.find((i) => i.name === v.invariant)?.statement}, but ${v.message}.`,
          );
        lines.push('', `trace ${traceHash(result.trace).slice(0, 16)}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.exitCode = result.violations.length > 0 ? 1 : 0;
    });
}
