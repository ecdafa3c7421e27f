import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function paysim(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/paysim.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'paysim-cli-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('paysim check', () => {
  it('exits 0 and says so when every invariant held, after printing the seed and settings', () => {
    const r = paysim('check', '--design', 'hardened', '--runs', '40', '--seed', '9');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('npx paysim check --design hardened --runs 40 --seed 9 --orders 3');
    expect(r.out).toMatch(/Verdict: no counterexample to hardened found in 40 runs/);
    expect(r.out).toMatch(/✓ no-double-charge\s+not broken in 40 runs/);
  });

  it('on a violation, points to the lesson of the course that breaks the same invariant', () => {
    const r = paysim('check', '--design', 'seed', '--runs', '300', '--seed', '21');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Verdict: seed is broken — no-duplicate-orders/);
    expect(r.out).toMatch(
      /The course tells a story that breaks no-duplicate-orders the same way \(user\.submit\), .*: lesson 3, "A double click creates two orders":\n\n {2}npx paysim learn 3\n$/,
    );
  });

  it('exits 1 on a violation; --json prints one document with the verdict and a replay that reproduces the trace', () => {
    const r = paysim('check', '--design', 'seed', '--runs', '300', '--seed', '3', '--json');
    expect(r.code).toBe(1);
    const verdict = JSON.parse(r.out);
    expect(verdict.verdict).toBe('violated');
    expect(verdict.invariants.find((i: { verdict: string }) => i.verdict === 'violated')).toBeDefined();
    const replayArgs = (verdict.counterexample.replay as string).match(/--\S+ (?:"[^"]*"|\S+)/g) ?? [];
    const args = replayArgs.flatMap((a) => {
      const [flag, ...rest] = a.split(' ');
      return [flag as string, rest.join(' ').replace(/^"|"$/g, '')];
    });
    const replayed = paysim('replay', ...args, '--json');
    expect(replayed.code).toBe(1);
    expect(JSON.parse(replayed.out).traceHash).toBe(verdict.counterexample.traceHash);
  });

  it('saves a counterexample that replay --file reproduces', () => {
    const saved = join(dir, 'cx.json');
    const r = paysim('check', '--design', 'seed', '--runs', '300', '--seed', '3', '--json', '--save', saved);
    const replayed = paysim('replay', '--file', saved, '--json');
    expect(JSON.parse(replayed.out).traceHash).toBe(JSON.parse(r.out).counterexample.traceHash);
  });
});

describe('bad input', () => {
  const badCases: Array<[string, string[], RegExp]> = [
    ['an unknown command', ['chek'], /unknown command 'chek'.*\n?.*check/s],
    ['an unknown flag', ['check', '--rnus', '5'], /unknown option '--rnus'/],
    [
      'a non-number where a number belongs',
      ['check', '--runs', 'many'],
      /--runs expects a whole number of 1 or more, got "many"/,
    ],
    [
      'a missing design file',
      ['check', '--design', join(dir, 'missing.json')],
      /design file .*missing.json does not exist/,
    ],
    [
      'a malformed design file',
      ['check', '--design', file('broken.json', '{"name": "x",')],
      /broken.json is not valid JSON/,
    ],
    [
      'a design with a bad field',
      [
        'check',
        '--design',
        file('bad.json', '{"name":"x","mitigations":{"timeoutQuery":{"afterMs":-1,"intervalsMs":[1]}}}'),
      ],
      /mitigations\.timeoutQuery\.afterMs: expected 0 or more milliseconds, got -1/,
    ],
    [
      'an unknown fault',
      ['check', '--faults', 'notify.lots'],
      /unknown fault "notify.lots" \(did you mean "notify.lost"\?\)/,
    ],
    [
      'an unknown provider',
      ['check', '--provider', 'wechatpay'],
      /--provider expects one of wechat, alipay, stripe, got "wechatpay" \(did you mean "wechat"\?\)/,
    ],
    [
      'a malformed story',
      ['replay', '--design', 'seed', '--workload', 'o1:100'],
      /workload entry "o1:100" is not of the form/,
    ],
  ];
  it.each(badCases)('%s gives a clear message and exit 2, never a stack trace', (_, args, message) => {
    const r = paysim(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe('');
  });
});

describe('paysim designs and faults', () => {
  it('lists the presets, every mitigation, and the deployment and timing a design file may set', () => {
    const r = paysim('designs');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/hardened/);
    expect(r.out).toMatch(/payingLock: article measure 1/);
    expect(r.out).toMatch(/forwarding: naive=direct {2}seed=direct {2}hardened=mq/);
    expect(r.out).toMatch(/timing\.orderTimeoutMs: naive=900000 {2}seed=900000 {2}hardened=900000/);
  });

  it('lists the fault catalogue', () => {
    const r = paysim('faults');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/notify\.outage/);
  });
});

describe('paysim matrix and replay edge cases', () => {
  it('refuses to build a matrix on a base design that is already broken, with exit 1 and the story', () => {
    const r = paysim('matrix', '--design', 'seed', '--runs', '200', '--seeds', '1');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/the base design seed is itself broken/);
    expect(r.out).toMatch(/npx paysim replay --design seed/);
  });

  it('prints a table whose rows replay as printed', () => {
    const r = paysim('matrix', '--runs', '150', '--seeds', '1', '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out).rows as Array<{ mitigation: string; invariant: string; replay?: string }>;
    const consumer = rows.find((row) => row.mitigation === 'idempotentConsumer');
    expect(consumer?.invariant).toBe('exactly-once-fulfilment');
    const args = (consumer?.replay ?? '').match(/--\S+ (?:"[^"]*"|\S+)/g)?.flatMap((a) => {
      const [flag, ...rest] = a.split(' ');
      return [flag as string, rest.join(' ').replace(/^"|"$/g, '')];
    });
    const replayed = paysim('replay', ...(args ?? []), '--json');
    expect(JSON.parse(replayed.out).violations[0].invariant).toBe('exactly-once-fulfilment');
  });

  it('rejects a pick naming an option its choice does not have, with exit 2', () => {
    const r = paysim('replay', '--design', 'seed', '--workload', 'o1:100@0', '--picks', 'user.submit#0=99');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /user.submit#0 picks option 99, but its options here are 1 to 2 \(0 is the default\)/,
    );
  });

  it('makes the folders --save names, as --report-dir does, and fails fast when it cannot write there', () => {
    const deep = join(dir, 'no', 'such', 'folder', 'x.json');
    const r = paysim('check', '--design', 'seed', '--seed', '21', '--save', deep);
    expect(r.code).toBe(1);
    expect(JSON.parse(readFileSync(deep, 'utf8')).design).toBe('seed');
    const file = join(dir, 'a-file');
    writeFileSync(file, 'mine');
    const underFile = paysim('check', '--design', 'seed', '--save', join(file, 'x.json'));
    expect(underFile.code).toBe(2);
    expect(underFile.err).toMatch(/--save .*a-file\/x\.json: .*a-file is a file, not a folder/);
    expect(paysim('check', '--design', 'seed', '--save', '/proc/x/y.json').err).toMatch(
      /--save \/proc\/x\/y\.json: cannot write (a file )?there/,
    );
    // The folder exists (and, as root, passes every access check): refused before the search.
    const late = paysim('check', '--design', 'seed', '--save', '/proc/x.json');
    expect(late.err).toMatch(/^paysim: --save \/proc\/x\.json: cannot write (a file )?there \(.*\)\n$/);
    expect(late.out).toBe('');
  });

  it('names a fault list by the option that was typed, --without-faults or its alias --no-faults', () => {
    for (const option of ['--without-faults', '--no-faults']) {
      const r = paysim('check', '--runs', '1', option, 'bogus');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`^paysim: ${option}: unknown fault "bogus"`));
    }
    expect(paysim('check', '--runs', '1', '--faults', 'notify.lost,user.pay,notify.lost').err).toMatch(
      /^paysim: --faults: notify\.lost is given twice; give it once\n/,
    );
  });

  it('tells an option written without its value, rather than take the next option as the value', () => {
    const swallowed = paysim('check', '--no-faults', '--seed', '1', '--runs', '5');
    expect(swallowed.code).toBe(2);
    expect(swallowed.err).toMatch(
      /^paysim: --no-faults needs a value, but the next argument is the option --seed: the faults to leave out \(--no-faults app\.crash,pc\.crash\); for no faults at all, --faults none\n/,
    );
    const last = paysim('check', '--no-faults');
    expect(last.code).toBe(2);
    expect(last.err).toMatch(/argument missing: the faults to leave out/);
    expect(paysim('check', '--faults', '--runs', '10').err).toMatch(
      /^paysim: --faults needs a value, but the next argument is the option --runs\n/,
    );
    expect(paysim('check', '--runs', '1', '--report', 'md', '--report-dir', '').err).toMatch(
      /^paysim: --report-dir "": give the folder to write the reports in\n/,
    );
    const flagWithValue = paysim('check', '--json=true');
    expect(flagWithValue.code).toBe(2);
    // Said as JSON, as --json asks for, even so.
    expect(JSON.parse(flagWithValue.out)).toEqual({
      error: { kind: 'usage', message: '--json takes no value: write --json alone, not --json=true' },
    });
    // Alone it would write nothing: check, replay and merge say so before they run.
    for (const command of [
      ['check', '--runs', '1'],
      ['replay', '--design', 'seed', '--workload', 'o1:100@0'],
      ['merge', 'shard-1.json'],
    ]) {
      const alone = paysim(...command, '--report-dir', 'out');
      expect(alone.code).toBe(2);
      expect(alone.err).toMatch(
        /^paysim: --report-dir out says where reports go, but no report was asked for: add --report html, md or html,md\n/,
      );
    }
    expect(paysim('check', '--runs', '1', '--seed', '1').out).toMatch(
      /found in 1 run \(.*\n\n.*not broken in 1 run\n/,
    );
    // A negative number is a value.
    expect(paysim('check', '--runs', '2', '--seed', '-7').code).toBe(0);
    // Given twice, commander would keep the last one silently.
    const twice = paysim('check', '--runs', '6', '--seed', '1', '--shard', '1/3', '--shard', '2/3');
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/^paysim: --shard is given twice \(1\/3 and 2\/3\): give it once\n/);
    // Written --option=value, in either place.
    expect(paysim('check', '--runs', '6', '--seed=1', '--seed', '2').err).toMatch(
      /^paysim: --seed is given twice \(1 and 2\): give it once\n/,
    );
    expect(paysim('check', '--runs', '6', '--shard=1/3', '--shard=2/3').err).toMatch(
      /--shard is given twice/,
    );
  });

  it('states a short paid-within bound and the time it took in seconds, not as 0 min', () => {
    const r = paysim(
      'check',
      '--design',
      'hardened,timing.paidWithinMs=5000',
      '--runs',
      '100',
      '--seed',
      '1',
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/and became paid only after \d+(\.\d)? s \(bound 5 s\)/);
  });

  it('takes every 32-bit seed, and names the range when one is out of it', () => {
    expect(paysim('check', '--runs', '1', '--seed', '-2147483648').code).toBe(0);
    const r = paysim('check', '--runs', '1', '--seed', '2147483648');
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      '--seed expects a 32-bit whole number, from -2147483648 to 2147483647, got "2147483648"',
    );
  });
});
