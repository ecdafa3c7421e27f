import { Command } from 'commander';
import type { Design } from '../designs/design.ts';
import { mitigationNames, services } from '../designs/variants.ts';
import { settingOf } from '../report/report-model.ts';
import { colourWanted, paintFailures } from './colour.ts';
import { listLessons, replayStoryFile } from './lessons.ts';
import { replayText } from './replay-text.ts';
import { UsageError } from './usage-error.ts';

/** What the fixed twin's design changes, mitigation by mitigation. */
function designChanges(broken: Design, fixed: Design): string[] {
  const changes = mitigationNames
    .filter((name) => settingOf(broken.mitigations[name]) !== settingOf(fixed.mitigations[name]))
    .map(
      (name) => `  ${name}: ${settingOf(broken.mitigations[name])} → ${settingOf(fixed.mitigations[name])}`,
    );
  if (broken.provider !== fixed.provider) changes.push(`  provider: ${broken.provider} → ${fixed.provider}`);
  if (broken.forwarding !== fixed.forwarding)
    changes.push(`  forwarding: ${broken.forwarding} → ${fixed.forwarding}`);
  for (const service of services) {
    for (const field of ['writes', 'replicas'] as const) {
      if (broken[service][field] !== fixed[service][field])
        changes.push(`  ${service}.${field}: ${broken[service][field]} → ${fixed[service][field]}`);
    }
  }
  return changes;
}

export function learnCommand(): Command {
  return new Command('learn')
    .description('A short course: each lesson replays a broken story and its fixed twin, and explains them.')
    .argument('[lesson]', 'the lesson number to replay (without it: list the lessons)')
    .option('--verbose', 'show every delivery, not only the ones that tell the story')
    .addHelpText('after', '\nExamples:\n  npx paysim learn\n  npx paysim learn 3')
    .action(async (which: string | undefined, flags: { verbose?: boolean }) => {
      const lessons = await listLessons();
      if (which === undefined) {
        const lines = ['Lessons (npx paysim learn N replays one):', ''];
        for (const l of lessons) lines.push(`  ${String(l.number).padStart(2)}. ${l.title}`);
        process.stdout.write(`${lines.join('\n')}\n`);
        return;
      }
      const lesson = /^\d+$/.test(which) ? lessons[Number(which) - 1] : undefined;
      if (lesson === undefined)
        throw new UsageError(
          `learn: there is no lesson "${which}"; give a number from 1 to ${lessons.length}`,
        );
      const broken = await replayStoryFile(lesson.broken);
      const fixed = await replayStoryFile(lesson.fixed);
      const brokenText = replayText(broken.story, broken.result, { ...broken, verbose: flags.verbose });
      const fixedText = replayText(fixed.story, fixed.result, { ...fixed, verbose: flags.verbose });
      const changes = designChanges(broken.design, fixed.design);
      const lines = [
        `Lesson ${lesson.number} of ${lessons.length}: ${lesson.title}`,
        '',
        lesson.explanation,
        '',
        '── The broken story ──',
        '',
        ...brokenText.lines,
        '',
        '── Its fixed twin: the same story against a design with the fix ──',
        '',
        ...(changes.length > 0 ? ['What the design changes:', ...changes, ''] : []),
        ...fixedText.lines,
      ];
      if (lesson.number < lessons.length) lines.push('', `Next: npx paysim learn ${lesson.number + 1}`);
      process.stdout.write(`${paintFailures(lines, colourWanted()).join('\n')}\n`);
      // The lesson only teaches what it says if the broken story breaks and the twin holds.
      process.exitCode = brokenText.mismatch || fixedText.mismatch ? 1 : 0;
    });
}
