// A report as Markdown that GitHub renders: the verdict table, the design, the story as a Mermaid
// sequence diagram, the final states and the replay line.

import { mermaidSequence } from './mermaid-sequence.ts';
import { finalStateHeader, finalStateRows, invariantKindsLegend, type ReportModel } from './report-model.ts';

/** A table cell: pipes would end the cell, newlines the row. */
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

/** How a Markdown report paysim wrote begins, so that only such a file is written over. */
export const markdownTitlePrefix = '# paysim: ';

export function markdownReport(model: ReportModel): string {
  const lines = [`${markdownTitlePrefix}${model.title}`, '', `**${model.headline}**`, ''];
  for (const p of model.provenance) lines.push(p, '');
  if (model.lesson) lines.push('## The lesson', '', model.lesson, '');
  lines.push(
    '## Verdict per invariant',
    '',
    ...table(
      ['', 'invariant', 'kind', 'verdict'],
      model.invariants.map((inv) => [
        inv.status === 'violated' ? '✗' : '✓',
        inv.status === 'violated' ? `**${inv.name}**` : inv.name,
        inv.kind,
        inv.detail,
      ]),
    ),
    '',
    `Kinds: ${invariantKindsLegend}`,
    '',
    '## Design',
    '',
    `\`${model.design.spec}\`: ${model.design.description}`,
    '',
    `provider ${model.design.provider}, forwarding ${model.design.forwarding}; ${model.design.deployment}`,
    '',
    ...table(
      ['mitigation', 'setting'],
      model.design.mitigations.map((m) => [m.name, m.setting]),
    ),
    '',
  );
  const story = model.story;
  if (story) {
    lines.push(
      '## The story',
      '',
      'Arrows are deliveries; `-x` never arrived; dashed arrows were struck by a fault; the red band is where the design broke.',
      '',
      '```mermaid',
      mermaidSequence(story.participants, story.steps),
      '```',
      '',
      `## ${story.finalStateHeading}`,
      '',
      ...table(finalStateHeader, finalStateRows(story.finalStates)),
      '',
    );
  }
  lines.push(story ? '## Replay exactly' : '## Repeat the check', '', '```sh', model.replay, '```', '');
  if (story) lines.push(`trace \`${story.traceHash}\``, '');
  return lines.join('\n');
}
