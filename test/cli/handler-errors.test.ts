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
    expect(r.out).toMatch(
      /Verdict: no counterexample to hardened with your payment center found in 200 runs/,
    );
    expect(r.out).toContain(
      "your payment center's onQuery: TypeError: Cannot read properties of undefined (reading 'status')",
    );
    expect(r.out).toMatch(/in \d+ of 200 runs; the first, run \d+: npx paysim replay .* --app /);
    expect(r.out).toContain('give --fail-on-errors');
    const reportDir = join(dir, 'reports');
    const strict = paysim([...check, '--fail-on-errors', '--report', 'md', '--report-dir', reportDir]);
    expect(strict.code, strict.err).toBe(1);
    expect(strict.out).toContain('The check fails on them (--fail-on-errors).');
    expect(readFileSync(join(reportDir, 'hardened-not-found-seed-3-200-runs.md'), 'utf8')).toMatch(
      /Your own code failed in a way that no fault paysim injected explains .*:\n\nyour payment center's onQuery: TypeError: .*, in \d+ of 200 runs; the first, run \d+: `npx paysim replay /,
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
      /Your own code failed where no fault paysim injected explains it \(see the story\):\n {2}your payment center's onQuery: TypeError: Cannot read properties of undefined \(reading 'status'\)( \(\d+×\))?\n/,
    );
  });

  it('--json says why a check that held failed, and expectedErrors in the config leaves a class out', () => {
    const strict = paysim([...check, '--json', '--fail-on-errors']);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.out)).toMatchObject({ verdict: 'held', failedOn: 'handlerErrors' });
    const expecting = join(dir, 'expecting.config.ts');
    writeFileSync(
      expecting,
      `import config from ${JSON.stringify(config)}; export default { ...config, expectedErrors: ['TypeError'] };`,
    );
    const r = paysim([
      'check',
      '--app',
      expecting,
      '--runs',
      '200',
      '--seed',
      '3',
      '--json',
      '--fail-on-errors',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'held', handlerErrors: [] });
    // A misspelled name leaves the class listed, and says so.
    writeFileSync(
      expecting,
      `import config from ${JSON.stringify(config)}; export default { ...config, expectedErrors: ['TypeEror'] };`,
    );
    const misspelled = paysim(['check', '--app', expecting, '--runs', '200', '--seed', '3']);
    expect(misspelled.out).toContain("your payment center's onQuery: TypeError");
    expect(misspelled.out).toContain('No run threw TypeEror, which expectedErrors names: check the spelling');
    writeFileSync(
      expecting,
      `import config from ${JSON.stringify(config)}; export default { ...config, expectedErrors: 'TypeError' };`,
    );
    const bad = paysim(['check', '--app', expecting, '--runs', '10']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(
      'expectedErrors: expected a list of error class names such as ["BusyError"], got "TypeError"',
    );
  });

  it('merge refuses a shard whose list of errors is missing, tampered with or out of its runs', () => {
    const doc = JSON.parse(paysim([...check, '--shard', '2/2', '--json']).out) as {
      handlerErrors: Array<Record<string, unknown>>;
    };
    const [kind] = doc.handlerErrors;
    expect(kind).toBeDefined();
    const refused = (handlerErrors: unknown, why: string) => {
      const file = join(dir, 'tampered.json');
      writeFileSync(file, JSON.stringify({ ...doc, handlerErrors }));
      const r = paysim(['merge', file]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(why);
      expect(r.err).not.toMatch(/\n\s+at /);
    };
    refused(undefined, 'its handlerErrors: missing, or not a list');
    refused(
      [{ handler: 'onQuery' }],
      'its handlerErrors: entry 1: owner is not one line of text of at most 300 characters',
    );
    refused([{ ...kind, runs: 999 }], "entry 1: runs is 999, not a count from 1 to the shard's 100 runs");
    refused([{ ...kind, firstRun: 5 }], "entry 1: firstRun is 5, not one of the shard's runs 101-200");
    refused([kind, kind], 'entry 2 is a kind listed before it');
    refused([{ ...kind, replay: 'rm -rf /' }], 'entry 1: replay is not the line its workload and picks make');
    // A replay line that shows another run than the one listed (its picks changed, or its workload).
    refused(
      [{ ...kind, picks: [] }],
      'entry 1: replay is not the line its workload and picks make (its picks differ',
    );
    refused(
      [{ ...kind, workload: { intents: [{ intentId: 'o9', userId: 'u9', amount: 5, atMs: 0 }] } }],
      'entry 1: replay is not the line its workload and picks make (its workload differs',
    );
    refused(
      [{ ...kind, workload: { intents: [{ intentId: 'o1', userId: 'u1', amount: -5, atMs: 0 }] } }],
      'entry 1: workload or picks is not one paysim writes',
    );
    refused([{ ...kind, replay: undefined }], 'entry 1: workload, picks and replay come together');
    refused([{ ...kind, message: '\u001b[2Jgone' }], 'entry 1: message is not one line of text');
    const file = join(dir, 'tampered.json');
    writeFileSync(file, JSON.stringify({ ...doc, appEnvironment: ['X; rm -rf /'] }));
    const r = paysim(['merge', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('its appEnvironment is not a list of environment variable names');
    refused(
      [{ ...kind, message: 'x'.repeat(100_000) }],
      'entry 1: message is not one line of text of at most 300',
    );
  });
});
