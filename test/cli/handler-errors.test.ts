// A service of your own that throws where the design recovers: `check` passes, says what threw, in
// how many runs and where first (the same on one thread, on workers and merged shards), and fails
// on it with --fail-on-errors; the replay line shows the error.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paysim } from './paysim.ts';

const dir = mkdtempSync(join(tmpdir(), 'paysim-errors-'));
const config = join(dir, 'throwing.config.ts');
writeFileSync(
  config,
  `import { asyncPaymentCenter } from ${JSON.stringify(join(process.cwd(), 'src/adapters/async-payment-center.ts'))};
import { SimplePaymentCenter } from ${JSON.stringify(join(process.cwd(), 'examples/simple-payment-center.ts'))};
class ThrowingQuery extends SimplePaymentCenter {
  async onQuery() {
    const row = undefined as unknown as { status: string };
    if (row.status === 'paid') return;
  }
}
export default { paymentCenter: asyncPaymentCenter((ports) => new ThrowingQuery(ports)) };
`,
);
const check = ['check', '--app', config, '--runs', '200', '--seed', '3'];

interface Kind {
  handler: string;
  error: string;
  runs: number;
  firstRun: number;
  replay: string;
}

describe('your code threw in a passing check', () => {
  it('is told with its count and first run; --fail-on-errors fails the check on it', () => {
    const r = paysim(check);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Verdict: no counterexample to hardened found in 200 runs/);
    expect(r.out).toContain(
      "your payment center's onQuery: TypeError: Cannot read properties of undefined (reading 'status')",
    );
    expect(r.out).toMatch(/in \d+ of 200 runs; the first, run \d+: npx paysim replay .* --app /);
    expect(r.out).toContain('give --fail-on-errors');
    const reportDir = join(dir, 'reports');
    const strict = paysim([...check, '--fail-on-errors', '--report', 'md', '--report-dir', reportDir]);
    expect(strict.code, strict.err).toBe(1);
    expect(strict.out).toContain('The check fails on them (--fail-on-errors).');
    expect(readFileSync(join(reportDir, 'hardened-holds.md'), 'utf8')).toMatch(
      /Your payment center's onQuery threw TypeError: .* in \d+ of 200 runs; .* The first, run \d+: `npx paysim replay /,
    );
  });

  it('is the same on one thread, two workers and two merged shards, and its replay line shows it', () => {
    const kinds = (out: string) => (JSON.parse(out) as { handlerErrors: Kind[] }).handlerErrors;
    const single = kinds(paysim([...check, '--json']).out);
    expect(single.map((k) => `${k.handler}: ${k.error}`)).toEqual(['onQuery: TypeError']);
    expect(kinds(paysim([...check, '--workers', '2', '--json']).out)).toEqual(single);
    const files = [1, 2].map((i) => {
      const file = join(dir, `shard-${i}.json`);
      writeFileSync(file, paysim([...check, '--shard', `${i}/2`, '--json']).out);
      return file;
    });
    const merged = paysim(['merge', ...files, '--json']);
    expect(merged.code, merged.err).toBe(0);
    expect(kinds(merged.out)).toEqual(single);
    expect(paysim(['merge', ...files, '--fail-on-errors']).code).toBe(1);

    const args = (single[0] as Kind).replay.replace(/^npx paysim /, '').match(/"[^"]*"|\S+/g) ?? [];
    const replayed = paysim(args.map((a) => a.replace(/^"|"$/g, '')));
    expect(replayed.code, replayed.err).toBe(0);
    expect(replayed.out).toContain('onQuery for o1.1 failed: TypeError');
    expect(replayed.out).toMatch(
      /Your own code threw errors paysim did not inject: your payment center's onQuery \(TypeError\) \d+×/,
    );
  });

  it('merge refuses a shard whose handlerErrors is not a list of error kinds', () => {
    const doc = JSON.parse(paysim([...check, '--shard', '1/2', '--json']).out) as Record<string, unknown>;
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...doc, handlerErrors: [{ handler: 'onQuery' }] }));
    const r = paysim(['merge', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'its handlerErrors is not a list of {owner, handler, error, message, runs, firstRun}',
    );
  });
});
