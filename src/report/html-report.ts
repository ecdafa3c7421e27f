// A report as one self-contained HTML page: inline CSS and an inline SVG diagram, no script, no
// font or stylesheet to fetch. Its Content-Security-Policy forbids every request, so the page
// opens offline and cannot leak anything when opened.

import { renderOutcomes } from './final-state.ts';
import { finalStateHeader, finalStateRows, invariantKindsLegend, type ReportModel } from './report-model.ts';
import { escapeXml, sequenceSvg } from './sequence-svg.ts';

const styles = `
  body { font: 15px/1.5 system-ui, sans-serif; color: #111827; margin: 2rem auto; max-width: 96rem; padding: 0 1rem; }
  h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
  .headline { padding: .75rem 1rem; border-radius: 6px; }
  .broken .headline { background: #fee2e2; border-left: 5px solid #b91c1c; }
  .holds .headline { background: #dcfce7; border-left: 5px solid #15803d; }
  table { border-collapse: collapse; } td, th { padding: .2rem .7rem; text-align: left; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
  tr.violated td { background: #fee2e2; font-weight: 600; }
  code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
  pre { background: #f3f4f6; padding: .75rem 1rem; border-radius: 6px; overflow-x: auto; }
  figure { margin: 0; overflow-x: auto; border: 1px solid #e5e7eb; border-radius: 6px; }
  .legend { font-size: 13px; color: #4b5563; }
  svg.sequence { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
  svg .lifeline { stroke: #9ca3af; stroke-dasharray: 4 4; }
  svg .head { fill: #e0e7ff; stroke: #4338ca; }
  svg .head-label { font-weight: 700; fill: #1e1b4b; }
  svg .time { fill: #6b7280; }
  svg .arrow { stroke: #1f2937; stroke-width: 1.4; }
  svg .fault .arrow { stroke: #b91c1c; stroke-dasharray: 5 3; }
  svg .fault .label, svg .note-fault .label, svg .note-crash .label { fill: #b91c1c; }
  svg .cross { stroke: #b91c1c; stroke-width: 2.2; }
  svg .box { fill: #f9fafb; stroke: #d1d5db; }
  svg .note-state .box { fill: #ecfdf5; stroke: #6ee7b7; }
  svg .note-fault .box, svg .note-crash .box { fill: #fff1f2; stroke: #f87171; }
  svg .note-restart .box { fill: #eff6ff; stroke: #93c5fd; }
  svg .note-verdict-broken .box { fill: #b91c1c; stroke: #7f1d1d; }
  svg .note-verdict-broken .label { fill: #ffffff; font-weight: 700; }
  svg .note-verdict-held .box { fill: #15803d; stroke: #14532d; }
  svg .note-verdict-held .label { fill: #ffffff; font-weight: 700; }
  svg .breaking-band { fill: #fecaca; opacity: .6; }
`;

const table = (
  header: readonly string[],
  rows: readonly (readonly string[])[],
  rowClass?: (i: number) => string,
) =>
  `<table><thead><tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map(
      (row, i) =>
        `<tr${rowClass ? ` class="${rowClass(i)}"` : ''}>${row.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;

/** Marks a page paysim wrote, so that only such a page is written over. */
export const generatorMeta = '<meta name="generator" content="paysim">';

export function htmlReport(model: ReportModel): string {
  const verdictRows = model.invariants.map((inv) => [
    inv.status === 'violated' ? '✗' : '✓',
    inv.name,
    inv.kind,
    inv.detail,
  ]);
  const story = model.story;
  const body = [
    `<h1>paysim: ${escapeXml(model.title)}</h1>`,
    `<p class="headline">${escapeXml(model.headline)}</p>`,
    ...model.provenance.map((line) => `<p>${escapeXml(line)}</p>`),
    ...(model.lesson ? ['<h2>The lesson</h2>', `<p class="lesson">${escapeXml(model.lesson)}</p>`] : []),
    '<h2>Verdict per invariant</h2>',
    table(['', 'invariant', 'kind', 'verdict'], verdictRows, (i) => model.invariants[i]?.status ?? ''),
    `<p class="legend">Kinds: ${escapeXml(invariantKindsLegend)}</p>`,
    '<h2>Design</h2>',
    `<p><code>${escapeXml(model.design.spec)}</code>: ${escapeXml(model.design.description)}</p>`,
    `<p>provider ${escapeXml(model.design.provider)}, forwarding ${escapeXml(model.design.forwarding)}; ${escapeXml(model.design.deployment)}</p>`,
    table(
      ['mitigation', 'setting'],
      model.design.mitigations.map((m) => [m.name, m.setting]),
    ),
  ];
  if (story) {
    body.push(
      '<h2>The story</h2>',
      '<p class="legend">Virtual time runs down the left. Arrows are deliveries; red dashed arrows are messages a fault struck (crossed out: it never arrived); green boxes are state changes written to a database; red boxes are faults and crashes; the red band marks where the design broke.</p>',
      `<figure id="sequence">${sequenceSvg(story.participants, story.steps)}</figure>`,
      `<h2>${escapeXml(story.finalStateHeading)}</h2>`,
      table(finalStateHeader, finalStateRows(story.finalStates)),
      `<pre class="final-states">${escapeXml(renderOutcomes(story.finalStates).join('\n'))}</pre>`,
    );
  }
  body.push(
    `<h2>${story ? 'Replay exactly' : 'Repeat the check'}</h2>`,
    `<pre><code class="replay">${escapeXml(model.replay)}</code></pre>`,
    ...(story ? [`<p class="legend">trace ${story.traceHash}</p>`] : []),
  );
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    generatorMeta,
    `<title>paysim: ${escapeXml(model.title)}</title>`,
    `<style>${styles}</style>`,
    '</head>',
    `<body class="${model.holds ? 'holds' : 'broken'}">`,
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
