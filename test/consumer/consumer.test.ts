// paysim as a team gets it: packed as npm would publish it, installed into a fresh ESM project of
// its own, imported from plain Node, from a TypeScript file checked by `tsc`, and from a vitest
// test, and its CLI run through `npx`. Needs the npm registry for paysim's own dependencies.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'paysim-consumer-'));
const project = join(work, 'shop');

function run(command: string, args: string[], cwd = project) {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  // `npm pack` runs `prepare`, which builds dist/: the tarball is what a registry would serve.
  execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: repo, stdio: 'pipe' });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz')) as string;
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'shop', type: 'module', dependencies: { paysim: `file:${join(work, tarball)}` } }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    stdio: 'pipe',
  });
  // vitest itself comes from this checkout: the consumer's test imports it as any project would.
  symlinkSync(join(repo, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'));
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('paysim installed into a separate project', () => {
  it('imports from plain Node: explore holds, assertHolds throws the story and its replay line', () => {
    writeFileSync(
      join(project, 'check.mjs'),
      `import { assertHolds, designs, explore, allFaults, InvariantBroken } from 'paysim';
const report = await explore({ design: designs.hardened, runs: 30, seed: 1, maxOrders: 2, faults: new Set(allFaults) });
console.log('hardened', report.runs, report.counterexample === undefined ? 'held' : 'broken');
try {
  await assertHolds({ design: 'seed', runs: 300, seed: 1 });
  console.log('seed held');
} catch (error) {
  console.log(error instanceof InvariantBroken, error.message);
}
`,
    );
    const r = run('node', ['check.mjs']);
    expect(r.err).toBe('');
    expect(r.out).toContain('hardened 30 held');
    expect(r.out).toMatch(/^true seed breaks [a-z-]+ \(generated run \d+/m);
    expect(r.out).toMatch(/Replay: npx paysim replay --design seed --workload \S+/);
  });

  it('type-checks against the published declarations', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        include: ['typed.ts'],
      }),
    );
    writeFileSync(
      join(project, 'typed.ts'),
      `import { assertHolds, designs, type Design, type ExploreReport, type PaymentCenterPorts } from 'paysim';
export async function ours(): Promise<ExploreReport> {
  const design: Design = { ...designs.hardened, provider: 'stripe' };
  return assertHolds({ design, runs: 10 });
}
export type Ports = PaymentCenterPorts;
// @ts-expect-error: runs is a number
assertHolds({ design: 'seed', runs: 'many' });
`,
    );
    const r = run(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', '.']);
    expect(r.out + r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('runs in a vitest test, failing with the story', () => {
    writeFileSync(
      join(project, 'payments.test.mjs'),
      `import { expect, test } from 'vitest';
import { assertHolds, designs } from 'paysim';
test('hardened holds', async () => { await assertHolds({ design: designs.hardened, runs: 20, maxOrders: 2 }); });
test('seed is caught', async () => {
  await expect(assertHolds({ design: designs.seed, runs: 300 })).rejects.toThrow(/Replay: npx paysim replay --design seed/);
});
`,
    );
    const r = run(join(repo, 'node_modules', '.bin', 'vitest'), [
      'run',
      '--root',
      project,
      'payments.test.mjs',
    ]);
    expect(r.out).toMatch(/Tests\s+\S*2 passed/);
    expect(r.code).toBe(0);
  });

  it('runs the CLI through npx', () => {
    const r = run('npx', ['--no-install', 'paysim', 'replay', '--design', 'seed', '--workload', 'o1:100@0']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('every invariant held');
  });
});
