import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paysim } from './paysim.ts';

const dir = mkdtempSync(join(tmpdir(), 'paysim-report-'));

describe('--report', () => {
  it('check writes the counterexample as HTML and Markdown under --report-dir and prints the paths', () => {
    const reports = join(dir, 'check');
    const r = paysim([
      'check',
      '--design',
      'seed',
      '--seed',
      '6',
      '--faults',
      'user.submit',
      '--report',
      'html,md',
      '--report-dir',
      reports,
    ]);
    expect(r.code).toBe(1);
    const printed = [...r.out.matchAll(/^Report: (.+)$/gm)].map((m) => m[1]);
    expect(printed).toEqual([
      join(reports, 'seed-no-duplicate-orders-86ae9fe1.html'),
      join(reports, 'seed-no-duplicate-orders-86ae9fe1.md'),
    ]);
    const html = readFileSync(printed[0] as string, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src=|url\((?!#)/);
    expect(html).toContain(
      'npx paysim replay --design seed --workload o1:100@0 --picks &quot;user.submit#0=1&quot;',
    );
    const md = readFileSync(printed[1] as string, 'utf8');
    expect(md).toMatch(/```mermaid\nsequenceDiagram\n/);
    expect(md).toContain(
      'Found by `npx paysim check --design seed --runs 2000 --seed 6 --orders 3 --faults user.submit`',
    );
  });

  it('replay writes the same report for the same story, and --json lists it', () => {
    const reports = join(dir, 'replay');
    const r = paysim([
      'replay',
      '--file',
      'scenarios/seed-redis-race.json',
      '--report',
      'md',
      '--json',
      '--report-dir',
      reports,
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).reports).toEqual([join(reports, 'seed-no-duplicate-orders-86ae9fe1.md')]);
    expect(readFileSync(join(reports, 'seed-no-duplicate-orders-86ae9fe1.md'), 'utf8')).toContain(
      '## The lesson',
    );
    expect(readdirSync(reports)).toEqual(['seed-no-duplicate-orders-86ae9fe1.md']);
  });

  it('never writes over a file of the same name that paysim did not write: the report goes beside it', () => {
    const reports = join(dir, 'beside');
    const args = [
      'replay',
      '--file',
      'scenarios/seed-redis-race.json',
      '--report',
      'html,md',
      '--report-dir',
    ];
    mkdirSync(reports);
    const mine = { html: '<!doctype html><p>my notes</p>', md: '# my notes on that race' };
    for (const [format, text] of Object.entries(mine))
      writeFileSync(join(reports, `seed-no-duplicate-orders-86ae9fe1.${format}`), text);
    const printed = (r: { out: string }) => [...r.out.matchAll(/^Report: (.+)$/gm)].map((m) => m[1]);
    const beside = ['html', 'md'].map((f) => join(reports, `seed-no-duplicate-orders-86ae9fe1-1.${f}`));
    const first = paysim([...args, reports]);
    expect(printed(first).map((line) => line?.replace(/ \(.*/, ''))).toEqual(beside);
    expect(first.out).toContain(
      `Report: ${beside[1]} (${join(reports, 'seed-no-duplicate-orders-86ae9fe1.md')} is a file paysim did not write, so it is kept and the report goes beside it)`,
    );
    // Again: the same story lands in the same file, paysim's own, written over.
    expect(printed(paysim([...args, reports])).map((line) => line?.replace(/ \(.*/, ''))).toEqual(beside);
    for (const [format, text] of Object.entries(mine))
      expect(readFileSync(join(reports, `seed-no-duplicate-orders-86ae9fe1.${format}`), 'utf8')).toBe(text);
    expect(readdirSync(reports)).toHaveLength(4);
  });

  it('rejects an unknown format and a report folder that is a file, before running', () => {
    const bad = paysim(['check', '--report', 'pdf']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--report expects html, md or html,md, got "pdf"/);
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const notDir = paysim([
      'replay',
      '--file',
      'scenarios/seed-redis-race.json',
      '--report',
      'html',
      '--report-dir',
      file,
    ]);
    expect(notDir.code).toBe(2);
    expect(notDir.err).toMatch(/--report-dir .*a-file: is a file, not a folder/);
  });
});
