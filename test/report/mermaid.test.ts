import { readdirSync, readFileSync } from 'node:fs';
import mermaid from 'mermaid';
import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../src/check/explore.ts';
import { formatReplayCommand, type Story } from '../../src/check/story.ts';
import { resolveDesign } from '../../src/designs/load-design.ts';
import { allFaults } from '../../src/faults/catalogue.ts';
import { markdownReport } from '../../src/report/markdown-report.ts';
import { buildReport } from '../../src/report/report-model.ts';

// The Markdown report's diagram is checked with Mermaid's own parser (mermaid 11 parses a
// sequenceDiagram under Node without a DOM), the one GitHub's renderer runs.
const mermaidBlock = (markdown: string) => /```mermaid\n([\s\S]*?)\n```/.exec(markdown)?.[1];

async function scenarioMarkdown(file: string): Promise<string> {
  const story = JSON.parse(readFileSync(`scenarios/${file}`, 'utf8')) as Story & { lesson?: string };
  const design = await resolveDesign(story.design, 'scenarios');
  const result = await replay(design, story, { faults: new Set(allFaults) });
  return markdownReport(
    buildReport({ design, result, replay: `npx paysim replay --file scenarios/${file}`, provenance: [] }),
  );
}

describe('the Markdown report', () => {
  it('is rejected by the parser when the diagram is malformed, so the checks below can fail', async () => {
    await expect(mermaid.parse('sequenceDiagram\n  p_users->>: order.submit')).rejects.toThrow(/Parse error/);
  });

  const files = readdirSync('scenarios').filter((f) => f.endsWith('.json'));
  it.each(files)('has a Mermaid sequence diagram that parses, for %s', async (file) => {
    const block = mermaidBlock(await scenarioMarkdown(file));
    expect(block).toMatch(/^sequenceDiagram\n/);
    await expect(mermaid.parse(block as string)).resolves.toMatchObject({ diagramType: 'sequence' });
  });

  it('parses for a generated counterexample with many orders and faults', async () => {
    const design = await resolveDesign('seed');
    const report = await explore({ design, runs: 300, seed: 11, maxOrders: 4, faults: new Set(allFaults) });
    const c = report.counterexample;
    expect(c).toBeDefined();
    const markdown = markdownReport(
      buildReport({
        design,
        result: c?.result,
        replay: formatReplayCommand(c?.story as Story),
        provenance: [],
      }),
    );
    await expect(mermaid.parse(mermaidBlock(markdown) as string)).resolves.toMatchObject({
      diagramType: 'sequence',
    });
  });

  it('keeps text that Mermaid would read as syntax (semicolons, #, %%) as text', async () => {
    const design = await resolveDesign('seed');
    const story = JSON.parse(readFileSync('scenarios/seed-redis-race.json', 'utf8')) as Story;
    const result = await replay(design, story, { faults: new Set(allFaults) });
    const tricky = {
      ...result,
      violations: [
        { ...(result.violations[0] as (typeof result.violations)[0]), message: 'a; b #1 %% c: d' },
      ],
    };
    const block = mermaidBlock(
      markdownReport(buildReport({ design, result: tricky, replay: 'x', provenance: [] })),
    );
    expect(block).toContain('a#59; b #35;1 %#37; c: d');
    await expect(mermaid.parse(block as string)).resolves.toMatchObject({ diagramType: 'sequence' });
  });
});
