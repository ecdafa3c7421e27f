// `check --workers`, `check --shard i/n` and `merge`, as a user runs them: the same verdict, first
// failing run, shrunk story and trace hash as one thread searching the same seed.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paysim, type Ran } from './paysim.ts';

const dir = mkdtempSync(join(tmpdir(), 'paysim-shard-'));

function json(r: Ran): Record<string, unknown> {
  const doc = JSON.parse(r.out) as Record<string, unknown>;
  // Only the time taken and the shard bookkeeping may differ.
  const { elapsedMs: _, shard: __, merged: ___, ...rest } = doc;
  return rest;
}

/** Runs every shard of a search with --json into files; returns the files. */
function shards(args: readonly string[], count: number, name: string): string[] {
  return Array.from({ length: count }, (_, i) => {
    const r = paysim([...args, '--shard', `${i + 1}/${count}`, '--json']);
    expect(r.code, r.err).toBeLessThan(2);
    const file = join(dir, `${name}-${i + 1}.json`);
    writeFileSync(file, r.out);
    return file;
  });
}

describe('check --workers and --shard, then merge', () => {
  // Seed 5 first breaks this design at run 46: in the second of two shards of 80 runs.
  const broken = ['check', '--design', 'hardened,-recoveryJob', '--runs', '80', '--seed', '5'];

  it('a broken design: one thread, two workers and two merged shards print the same JSON verdict', () => {
    const single = paysim([...broken, '--json']);
    expect(single.code).toBe(1);
    const pooled = paysim([...broken, '--workers', '2', '--json']);
    expect(pooled.code).toBe(1);
    const files = shards(broken, 2, 'broken');
    const merged = paysim(['merge', ...files, '--json']);
    expect(merged.code).toBe(1);
    const expected = json(single);
    expect((expected.counterexample as { foundAtRun: number }).foundAtRun).toBe(46);
    expect(json(pooled)).toEqual(expected);
    expect(json(merged)).toEqual(expected);
    const { merged: summary } = JSON.parse(merged.out) as {
      merged: { shards: { index: number; verdict: string; foundAtRun?: number }[] };
    };
    expect(summary.shards.map((s) => s.verdict)).toEqual(['held', 'violated']);
  });

  it('a broken preset (naive): the text verdict of merged shards is the single run’s', () => {
    const args = ['check', '--design', 'naive', '--runs', '60', '--seed', '7'];
    const single = paysim(args);
    const merged = paysim(['merge', ...shards(args, 2, 'naive')]);
    expect(merged.code).toBe(1);
    const from = (text: string) => text.slice(text.indexOf('Verdict:')).replace(/\(\d+\.\d s\)/, '');
    expect(from(merged.out)).toBe(from(single.out));
    expect(merged.out).toMatch(/shard 1\/2 \(runs 1-30\): first failing run 1 ← the smallest/);
  });

  it('a shard of one run is called "run n", in check and in merge', () => {
    const args = ['check', '--design', 'hardened', '--runs', '2', '--seed', '3'];
    expect(paysim([...args, '--shard', '2/2']).out).toContain("shard 2/2: run 2 of the seed's 2;");
    const merged = paysim(['merge', ...shards(args, 2, 'one-run')]);
    expect(merged.out).toMatch(/shard 1\/2 \(run 1\): held .*\n {2}shard 2\/2 \(run 2\): held/);
  });

  it('merge --report writes the report a single search writes, and says it was merged', () => {
    const args = ['check', '--design', 'naive', '--runs', '60', '--seed', '7'];
    const single = join(dir, 'single-report');
    const merged = join(dir, 'merged-report');
    expect(paysim([...args, '--report', 'md', '--report-dir', single]).code).toBe(1);
    const r = paysim(['merge', ...shards(args, 2, 'report'), '--report', 'md', '--report-dir', merged]);
    expect(r.code).toBe(1);
    const [file] = readdirSync(single);
    expect(readdirSync(merged)).toEqual([file]);
    expect(r.out).toContain(`Report: ${join(merged, file as string)}`);
    const text = readFileSync(join(merged, file as string), 'utf8');
    expect(text).toContain('Merged from 2 of 2 shards (`--shard i/2`); shard 1 found it.');
    expect(text.replace(/Merged from .*\n\n/, '')).toBe(readFileSync(join(single, file as string), 'utf8'));
  });

  it('a holding design: merged shards say "not found in" all the runs, and exit 0', () => {
    const args = ['check', '--design', 'hardened', '--runs', '120', '--seed', '2'];
    const files = shards(args, 2, 'held');
    const merged = paysim(['merge', ...files]);
    expect(merged.code).toBe(0);
    expect(merged.out).toContain(
      'Merged 2 of 2 shards of: npx paysim check --design hardened --runs 120 --seed 2',
    );
    expect(merged.out).toMatch(/no counterexample to hardened found in 120 runs/);
    // The design and faults in words, as check prints them under its command.
    const check = paysim(args).out;
    const words = check.slice(check.indexOf('\n') + 1, check.indexOf('\n\n'));
    expect(merged.out).toContain(`120 --seed 2 --orders 3\n${words}\n  shard 1/2`);
    expect(json(paysim(['merge', ...files, '--json']))).toEqual(json(paysim([...args, '--json'])));
  });

  it('says in --help what a search long enough for workers is', () => {
    const help = paysim(['check', '--help']).out.replace(/\s+/g, ' ');
    expect(help).toMatch(
      /--workers <n> .*default: the core count, \d+ here, for a search of 10000 runs or more/,
    );
    expect(help).toMatch(/--shard <i\/n>/);
    expect(paysim(['merge', '--help']).out).toMatch(/smallest failing run/);
  });

  it.each([['3/2'], ['0/2'], ['1/0'], ['half']])('refuses --shard %s with exit 2', (shard) => {
    const r = paysim(['check', '--runs', '10', '--shard', shard]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`--shard expects i/n with 1 ≤ i ≤ n .*got "${shard}"`));
  });

  it('refuses more shards than runs, and --workers 0', () => {
    expect(paysim(['check', '--runs', '3', '--seed', '1', '--shard', '1/4']).err).toMatch(
      /3 runs cannot be split into 4 shards/,
    );
    expect(paysim(['check', '--workers', '0']).code).toBe(2);
  });

  it('says what more workers than cores cost, and still searches', () => {
    const cores = availableParallelism();
    const r = paysim(['check', '--runs', '20', '--seed', '1', '--workers', String(cores + 1)]);
    expect(r.code).toBe(0);
    expect(r.err).toBe(
      `paysim: --workers ${cores + 1} is more than this machine's ${cores} cores: the threads take turns, and each costs a few tenths of a second to start\n`,
    );
  });

  it('refuses --shard without --seed: each runner would search a seed of its own', () => {
    const r = paysim(['check', '--runs', '10', '--shard', '1/2']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--shard 1\/2 needs --seed: .* give every runner the same one/);
    expect(r.out).toBe('');
  });

  it('refuses to merge shards of different searches, a shard twice, a missing shard, or not a shard', () => {
    const a = shards(['check', '--design', 'hardened', '--runs', '20', '--seed', '1'], 2, 'a');
    const b = shards(['check', '--design', 'hardened', '--runs', '20', '--seed', '2'], 2, 'b');
    const other = paysim(['merge', a[0] as string, b[1] as string]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/is a shard of another search than .* \(--seed 2, not --seed 1\)/);
    const twice = paysim(['merge', a[0] as string, a[0] as string]);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/are both shard 1\/2/);
    const missing = paysim(['merge', a[0] as string, '--json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.out).error.message).toMatch(
      /shard 2\/2 \(runs 11-20\) missing: .*run `npx paysim check --design hardened --runs 20 --seed 1 --orders 3 --shard 2\/2 --json`/,
    );
    const plain = join(dir, 'plain.json');
    writeFileSync(plain, paysim(['check', '--runs', '5', '--seed', '1', '--json']).out);
    const notShard = paysim(['merge', plain]);
    expect(notShard.code).toBe(2);
    expect(notShard.err).toMatch(/without a shard section \(was it run with --shard\?\)/);
    expect(paysim(['merge', join(dir, 'nowhere.json')]).err).toMatch(/no such file/);
    expect(paysim(['merge']).err).toMatch(
      /^paysim: missing required argument 'files': give the --json results of every shard \(paysim merge shard-\*\.json\)/,
    );
    expect(paysim(['merge', dir]).err).toMatch(
      /is a folder: give the shards' result files in it \(.*\/shard-\*\.json\)/,
    );
  });

  it('refuses shards of a design file edited between them, or since, and tells a merge run elsewhere where the file is read', () => {
    const folder = mkdtempSync(join(tmpdir(), 'paysim-shard-design-'));
    const design = (dbUniqueGuard: boolean) =>
      writeFileSync(
        join(folder, 'shop.json'),
        JSON.stringify({ extends: 'hardened', provider: 'alipay', mitigations: { dbUniqueGuard } }),
      );
    const args = ['check', '--design', 'shop.json', '--runs', '20', '--seed', '3'];
    const run = (shard: string, name: string) => {
      const r = paysim([...args, '--shard', shard, '--json'], {}, folder);
      expect(r.code, r.err).toBeLessThan(2);
      writeFileSync(join(folder, name), r.out);
    };
    design(false);
    run('1/2', 'one.json');
    design(true);
    run('2/2', 'two.json');
    const edited = paysim(['merge', 'one.json', 'two.json'], {}, folder);
    expect(edited.code).toBe(2);
    expect(edited.err).toMatch(
      /two\.json ran shop\.json with other settings than one\.json did: the design file changed between the shards/,
    );
    run('1/2', 'one.json');
    design(false);
    const since = paysim(['merge', 'one.json', 'two.json'], {}, folder);
    expect(since.code).toBe(2);
    expect(since.err).toContain(`shop.json has other settings here (${folder}) than when the shards ran it`);
    design(true);
    expect(paysim(['merge', 'one.json', 'two.json'], {}, folder).code).toBe(0);
    const elsewhere = paysim(['merge', join(folder, 'one.json'), join(folder, 'two.json')], {}, tmpdir());
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.err).toMatch(/shop\.json/);
    expect(elsewhere.err).toContain(
      `: merge reads the design the shards ran (shop.json) as check did, from the folder it runs in (${realpathSync(tmpdir())}); run it in the checkout the shards ran in`,
    );
  });

  it('names every fault as all when shards differ in their faults', () => {
    const every = shards(['check', '--runs', '20', '--seed', '1'], 2, 'every');
    const some = shards(['check', '--runs', '20', '--seed', '1', '--faults', 'notify.lost'], 2, 'some');
    const r = paysim(['merge', every[0] as string, some[1] as string]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\(--faults notify\.lost, not --faults all\)/);
  });

  it('Ctrl-C during a search on worker threads: the partial summary, exit 130, no hang', async () => {
    const child = spawn(
      process.execPath,
      ['bin/paysim.js', 'check', '--runs', '100000', '--seed', '3', '--workers', '2'],
      { env: { ...process.env, CI: 'true', NO_COLOR: '1' } },
    );
    let out = '';
    let sent = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (sent === 0 && out.includes('searching on 2 worker threads')) {
        sent = -1;
        setTimeout(() => {
          sent = performance.now();
          child.kill('SIGINT');
        }, 1500);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(performance.now() - sent).toBeLessThan(2_000);
    expect(out).toMatch(/Interrupted after \d+ of 100000 runs: no counterexample found so far\./);
    expect(out).toContain('Repeat it: npx paysim check --design hardened --runs 100000 --seed 3');
  });
});
