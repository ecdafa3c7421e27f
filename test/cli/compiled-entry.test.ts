// bin/paysim.js runs dist/ when the build is no older than src/, else the sources through tsx; worker
// threads follow. On a copy of the layout (bin, package.json, src, a fresh build), so the real
// files' times stay as they are.

import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'paysim-entry-')));
const root = join(base, 'paysim');
/** One time for every file, as npm pack gives them. */
const packed = new Date('2024-01-01T00:00:00Z');

function touchAll(dir: string, time: Date): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) touchAll(path, time);
    else utimesSync(path, time, time);
  }
}

/** Stamps the build (as `npm run build` does) at the time of every file under src/, then makes
 * `newer` (a file under src/) one second newer. */
function stamp(newer?: string): void {
  touchAll(join(root, 'src'), packed);
  writeFileSync(join(root, 'dist', '.built'), '');
  utimesSync(join(root, 'dist', '.built'), packed, packed);
  if (newer !== undefined) {
    const later = new Date(packed.getTime() + 1000);
    utimesSync(join(root, 'src', newer), later, later);
  }
}

function run(args: readonly string[], env: NodeJS.ProcessEnv = {}, at = root) {
  const r = spawnSync(process.execPath, [join(at, 'bin', 'paysim.js'), ...args], {
    encoding: 'utf8',
    cwd: at,
    env: { ...process.env, CI: 'true', PAYSIM_FROM_SOURCE: undefined, PAYSIM_DEBUG_ENTRY: '1', ...env },
  });
  const ran = [...r.stderr.matchAll(/^paysim(?: worker)?: running (.*)$/gm)].map((m) => m[1]);
  return { code: r.status, err: r.stderr, ran };
}

const search = ['check', '--design', 'hardened', '--runs', '40', '--seed', '1', '--workers', '2'];
const dist = (file: string) => join(root, 'dist', ...file.split('/'));
const src = (file: string) => join(root, 'src', ...file.split('/'));

beforeAll(() => {
  for (const item of ['bin', 'src', 'package.json', 'tsconfig.json'])
    cpSync(item, join(root, item), { recursive: true });
  symlinkSync(join(process.cwd(), 'node_modules'), join(root, 'node_modules'), 'dir');
  // `npm run build`'s tsc, into the copy; stamp() writes the stamp.
  const tsc = spawnSync(
    process.execPath,
    [
      'node_modules/typescript/bin/tsc',
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(root, 'dist'),
      '--declaration',
      'false',
    ],
    { encoding: 'utf8' },
  );
  expect(tsc.status, tsc.stdout).toBe(0);
}, 120_000);

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('which code bin/paysim.js runs', () => {
  it('a build as new as src/: dist/, in the main thread and the workers', () => {
    stamp();
    const r = run(search);
    expect(r.code, r.err).toBe(0);
    expect(r.ran).toEqual([dist('cli/main.js'), dist('check/pool-worker.js'), dist('check/pool-worker.js')]);
  });

  it('a file under src/ newer than the build: the sources, in the main thread and the workers', () => {
    stamp('check/pool-worker.ts');
    const r = run(search);
    expect(r.code, r.err).toBe(0);
    expect(r.ran).toEqual([src('cli/main.ts'), src('check/pool-worker.ts'), src('check/pool-worker.ts')]);
  });

  it('installed (under node_modules), where npm gives each file the time it was unpacked: dist/', () => {
    stamp('cli/main.ts');
    const installed = join(base, 'node_modules', 'paysim');
    cpSync(root, installed, { recursive: true, verbatimSymlinks: true });
    expect(run(['--version'], {}, installed).ran).toEqual([join(installed, 'dist', 'cli', 'main.js')]);
  });

  it('PAYSIM_FROM_SOURCE=1, or no build stamp: the sources', () => {
    stamp();
    expect(run(['--version']).ran).toEqual([dist('cli/main.js')]);
    expect(run(['--version'], { PAYSIM_FROM_SOURCE: '1' }).ran).toEqual([src('cli/main.ts')]);
    rmSync(join(root, 'dist', '.built'));
    expect(run(['--version']).ran).toEqual([src('cli/main.ts')]);
  });
});
