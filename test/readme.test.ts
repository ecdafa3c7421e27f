import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

// The README shows the real output of one failing check; this keeps it real.
it('the README shows the current output of `paysim check --design seed --seed 21`', () => {
  const readme = readFileSync('README.md', 'utf8');
  const shown = /real output of `npx paysim check --design seed --seed 21`:\n\n```text\n([\s\S]*?)```/.exec(
    readme,
  )?.[1];
  const run = spawnSync(process.execPath, ['bin/paysim.js', 'check', '--design', 'seed', '--seed', '21'], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  expect(run.status).toBe(1);
  expect(shown).toBe(run.stdout);
});
