import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replay } from '../src/check/explore.ts';
import type { Story } from '../src/check/story.ts';
import { resolveDesign } from '../src/designs/load-design.ts';
import { allFaults } from '../src/faults/catalogue.ts';
import { traceHash } from '../src/kernel/index.ts';

interface Scenario extends Story {
  readonly lesson: string;
  readonly expect: readonly string[];
}

const files = readdirSync('scenarios').filter((f) => f.endsWith('.json'));

describe('pinned scenarios', () => {
  it('has scenarios to replay', () => expect(files.length).toBeGreaterThan(5));

  for (const file of files) {
    const scenario = JSON.parse(readFileSync(`scenarios/${file}`, 'utf8')) as Scenario;
    const verdict =
      scenario.expect.length === 0 ? 'holds every invariant' : `breaks exactly ${scenario.expect.join(', ')}`;
    it(`${file.replace('.json', '')} ${verdict}`, async () => {
      const design = await resolveDesign(scenario.design, 'scenarios');
      const result = await replay(design, scenario, { faults: new Set(allFaults) });
      const broken = [...new Set(result.violations.map((v) => v.invariant))].sort();
      expect(broken).toEqual([...scenario.expect].sort());
      // Every scripted deviation was actually taken: the story is not padded.
      expect(result.picks).toEqual(scenario.picks);
      const again = await replay(design, scenario, { faults: new Set(allFaults) });
      expect(traceHash(again.trace)).toBe(traceHash(result.trace));
    });
  }
});

describe('what a sound-paid violation says', () => {
  it('speaks of the moment the order was marked paid: the buyer may pay the trade later, and the final state shows it captured', async () => {
    const scenario = JSON.parse(readFileSync('scenarios/naive-forged-callback.json', 'utf8')) as Scenario;
    const design = await resolveDesign(scenario.design, 'scenarios');
    const result = await replay(design, scenario, { faults: new Set(allFaults) });
    const said = result.violations.filter((v) => v.invariant === 'sound-paid').map((v) => v.message);
    expect(said.length).toBeGreaterThan(0);
    for (const message of said) expect(message).toMatch(/at that moment$|while the gateway held no capture/);
  });
});
