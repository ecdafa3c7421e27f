// A report's story as a Mermaid `sequenceDiagram`, which GitHub renders inside Markdown. Same
// steps as the SVG: faults as crossed or dashed arrows and notes, the breaking step in a red rect.

import type { DiagramStep, Participant } from './report-model.ts';
import { formatTime } from './timeline.ts';

/** Mermaid ends a statement at `;` and reads `#…;` as an entity: encode both so text stays text. */
function mermaidText(text: string): string {
  const entities: Record<string, string> = { '#': '#35;', ';': '#59;', '%%': '%#37;' };
  return text.replace(/[#;]|%%/g, (match) => entities[match] ?? match);
}

/** Participant ids are world addresses; anything unusual becomes a safe identifier. */
function mermaidId(address: string): string {
  return `p_${address.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function line(step: DiagramStep): string {
  const repeats = step.repeats
    ? ` (and ${step.repeats.times} more, the last at ${formatTime(step.repeats.lastAtMs)})`
    : '';
  const text = mermaidText(`${formatTime(step.atMs)} ${step.text}${repeats}`);
  if (step.kind === 'message') {
    // -x: it never arrived; --): a message a fault struck or an attacker sent; ->>: a delivery.
    const arrow = step.lost || step.refused ? '-x' : step.fault !== undefined ? '--)' : '->>';
    return `  ${mermaidId(step.from)}${arrow}${mermaidId(step.to)}: ${text}`;
  }
  const first = step.over[0] ?? 'users';
  const last = step.over[step.over.length - 1] ?? first;
  const over = first === last ? mermaidId(first) : `${mermaidId(first)},${mermaidId(last)}`;
  return `  Note over ${over}: ${text}`;
}

export function mermaidSequence(participants: readonly Participant[], steps: readonly DiagramStep[]): string {
  const lines = ['sequenceDiagram'];
  for (const p of participants) lines.push(`  participant ${mermaidId(p.id)} as ${mermaidText(p.label)}`);
  let inBreakingRect = false;
  for (const step of steps) {
    if (step.breaking !== inBreakingRect) {
      lines.push(step.breaking ? '  rect rgba(220, 38, 38, 0.2)' : '  end');
      inBreakingRect = step.breaking;
    }
    lines.push(line(step));
  }
  if (inBreakingRect) lines.push('  end');
  return lines.join('\n');
}
