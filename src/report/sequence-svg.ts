// Draws a report's story as an SVG sequence diagram: one lifeline per participant, one row per
// step, faults in red, the breaking step on a red band. Drawn here rather than by a diagram library
// so the HTML page needs no script and no network, and the same story gives the same bytes.

import type { DiagramStep, Participant } from './report-model.ts';
import { formatTime } from './timeline.ts';

const columnWidthPx = 190;
const timeColumnPx = 96;
const headerTopPx = 16;
const headerHeightPx = 34;
const firstRowPx = headerTopPx + headerHeightPx + 28;
const rowHeightPx = 34;
/** A monospace character at 12 px, to size boxes without a browser to measure text. */
const charWidthPx = 7.3;

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const textWidth = (text: string) => Math.ceil([...text].length * charWidthPx);

function withRepeats(step: DiagramStep): string {
  return step.repeats
    ? `${step.text} (and ${step.repeats.times} more, the last at ${formatTime(step.repeats.lastAtMs)})`
    : step.text;
}

function marker(id: string, colour: string): string {
  return `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="${colour}"/></marker>`;
}

/** A step's shapes between its lifelines, and how far right they reach. */
interface Drawn {
  readonly shapes: string;
  readonly rightPx: number;
}

function messageShapes(step: DiagramStep & { kind: 'message' }, x: (id: string) => number, y: number): Drawn {
  const label = withRepeats(step);
  const arrowId = step.fault !== undefined || step.refused ? 'arrowhead-fault' : 'arrowhead';
  const x1 = x(step.from);
  const x2 = x(step.to);
  const labelX = Math.min(x1, x2) + 8;
  const parts = [`<text class="label" x="${labelX}" y="${y - 7}">${escapeXml(label)}</text>`];
  if (x1 === x2) {
    // A message to itself: a small loop to the right of its lifeline.
    parts.push(
      `<path class="arrow" d="M${x1} ${y - 2} h28 v10 h-24" marker-end="url(#${arrowId})" fill="none"/>`,
    );
  } else if (step.lost || step.refused) {
    // It never arrived: the arrow stops short of the receiver, crossed out.
    const end = x1 + (x2 - x1) * 0.7;
    parts.push(`<line class="arrow" x1="${x1}" y1="${y}" x2="${end}" y2="${y}"/>`);
    parts.push(`<path class="cross" d="M${end - 5} ${y - 5} l10 10 M${end - 5} ${y + 5} l10 -10"/>`);
  } else {
    const tip = x2 + (x2 > x1 ? -2 : 2);
    parts.push(
      `<line class="arrow" x1="${x1}" y1="${y}" x2="${tip}" y2="${y}" marker-end="url(#${arrowId})"/>`,
    );
  }
  return { shapes: parts.join(''), rightPx: labelX + textWidth(label) };
}

function noteShapes(step: DiagramStep & { kind: 'note' }, x: (id: string) => number, y: number): Drawn {
  const label = withRepeats(step);
  const xs = step.over.map(x);
  const [from, to] = [Math.min(...xs), Math.max(...xs)];
  // A note over one lifeline fits its text; one over several spans them.
  const boxWidth = Math.max(textWidth(label) + 16, xs.length > 1 ? to - from + columnWidthPx - 40 : 0);
  const left = Math.max(timeColumnPx, (from + to) / 2 - boxWidth / 2);
  return {
    shapes:
      `<rect class="box" x="${left}" y="${y - 11}" width="${boxWidth}" height="22" rx="4"/>` +
      `<text class="label" x="${left + 8}" y="${y + 4}">${escapeXml(label)}</text>`,
    rightPx: left + boxWidth,
  };
}

export function sequenceSvg(participants: readonly Participant[], steps: readonly DiagramStep[]): string {
  const column = (id: string) =>
    Math.max(
      0,
      participants.findIndex((p) => p.id === id),
    );
  const x = (id: string) => timeColumnPx + columnWidthPx / 2 + column(id) * columnWidthPx;
  let width = timeColumnPx + participants.length * columnWidthPx + 8;
  const height = firstRowPx + steps.length * rowHeightPx + 12;
  const rows = steps.map((step, i) => {
    const y = firstRowPx + i * rowHeightPx;
    const classes = ['step', step.kind === 'message' ? 'message' : `note-${step.style}`];
    if (step.breaking) classes.push('breaking');
    if (step.kind === 'message' && (step.fault !== undefined || step.refused)) classes.push('fault');
    const drawn = step.kind === 'message' ? messageShapes(step, x, y) : noteShapes(step, x, y);
    width = Math.max(width, drawn.rightPx + 8);
    const band = step.breaking
      ? `<rect class="breaking-band" x="0" y="${y - rowHeightPx / 2}" width="100%" height="${rowHeightPx}"/>`
      : '';
    const time = `<text class="time" x="8" y="${y + 4}">${formatTime(step.atMs)}</text>`;
    return `<g class="${classes.join(' ')}" data-row="${i}">${band}${time}${drawn.shapes}</g>`;
  });
  const heads = participants.map((p) => {
    const cx = x(p.id);
    const w = Math.max(textWidth(p.label) + 20, 90);
    return (
      `<g class="participant" data-participant="${escapeXml(p.id)}">` +
      `<line class="lifeline" x1="${cx}" y1="${headerTopPx + headerHeightPx}" x2="${cx}" y2="${height - 4}"/>` +
      `<rect class="head" x="${cx - w / 2}" y="${headerTopPx}" width="${w}" height="${headerHeightPx}" rx="5"/>` +
      `<text class="head-label" x="${cx}" y="${headerTopPx + 22}" text-anchor="middle">${escapeXml(p.label)}</text>` +
      '</g>'
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="sequence" width="${Math.ceil(width)}" height="${height}" viewBox="0 0 ${Math.ceil(width)} ${height}" role="img" aria-label="sequence diagram of the story">`,
    `<defs>${marker('arrowhead', '#1f2937')}${marker('arrowhead-fault', '#b91c1c')}</defs>`,
    ...heads,
    ...rows,
    '</svg>',
  ].join('\n');
}
