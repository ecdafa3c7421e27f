import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paysim } from './paysim.ts';

const dir = mkdtempSync(join(tmpdir(), 'paysim-replay-'));
const redisRace = JSON.parse(readFileSync('scenarios/seed-redis-race.json', 'utf8'));

function storyFile(name: string, story: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(story));
  return path;
}

describe('paysim replay', () => {
  it('holds a story file to its expect: exit 0 when the run breaks exactly that', () => {
    const r = paysim(['replay', '--file', 'scenarios/seed-redis-race.json']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/As expected: broke no-duplicate-orders\./);
    // The last line says what its hash is for.
    expect(r.out).toMatch(
      /\ntrace [0-9a-f]{16} \(a fingerprint of the whole run: a replay that tells the same story gives the same one\)\n$/,
    );
  });

  it('exits 1 and says so when the verdict differs from the story file expect', () => {
    const wrong = storyFile('wrong.json', { ...redisRace, expect: ['no-double-charge'] });
    const r = paysim(['replay', '--file', wrong]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /Unexpected: the story expects the design to break exactly no-double-charge, but this run broke no-duplicate-orders\./,
    );
    const holds = storyFile('holds.json', {
      ...redisRace,
      design: 'hardened',
      expect: ['no-duplicate-orders'],
    });
    const r2 = paysim(['replay', '--file', holds, '--json']);
    expect(r2.code).toBe(1);
    expect(JSON.parse(r2.out)).toMatchObject({ verdict: 'held', asExpected: false });
  });

  it('says plainly when --file is missing, a folder or not JSON, with exit 2', () => {
    for (const [path, why] of [
      [join(dir, 'nowhere.json'), 'does not exist'],
      [dir, 'is a folder'],
      [storyFile('broken.json', {}).replace(/\.json$/, '.txt'), 'does not exist'],
    ] as const) {
      const r = paysim(['replay', '--file', path]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `paysim: --file ${path} ${why}: expected a saved story, a .json file written by check --save\n`,
      );
    }
    writeFileSync(join(dir, 'half.json'), '{');
    const r = paysim(['replay', '--file', join(dir, 'half.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--file .*half\.json: not a saved story, it is not valid JSON/);
  });

  it("checks a story file's picks as typed: a pick that would match no choice point is refused, a named option is read", () => {
    const pick = (p: object) => storyFile('pick.json', { ...redisRace, expect: undefined, picks: [p] });
    for (const [p, why] of [
      [
        { label: 'user.submit', nth: 0, index: 1.5 },
        /picks\[0\]\.index: expected the option's number, .* got 1\.5$/,
      ],
      [{ label: 'user.submit', nth: 0, index: '1' }, /picks\[0\]\.index: user\.submit has no option "1"/],
      [{ label: 'user.submit' }, /picks\[0\]\.nth: expected a whole number of 0 or more .* got nothing$/],
      [{ label: 'user.submit', nth: -1, index: 1 }, /picks\[0\]\.nth: .* got -1$/],
      [{ label: 7, nth: 0, index: 1 }, /picks\[0\]\.label: expected a fault id .* got 7$/],
      [{ label: 'user.submit', nth: 0, index: 9 }, /--file .*: picks: choice user\.submit#0 picks option 9/],
    ] as const) {
      const r = paysim(['replay', '--file', pick(p)]);
      expect(r.code, JSON.stringify(p)).toBe(2);
      expect(r.err.trim()).toMatch(why);
    }
    const named = paysim(['replay', '--file', pick({ label: 'user.submit', nth: 0, index: 'double-click' })]);
    expect(named.code).not.toBe(2);
    expect(named.out).toMatch(/⚡ user\.submit: the user of o1 double-clicks submit/);
    const amount = storyFile('amount.json', {
      ...redisRace,
      workload: { intents: [{ intentId: 'o1', userId: 'u1', amount: '100', atMs: 0 }] },
    });
    expect(paysim(['replay', '--file', amount]).err).toMatch(/the amount must be .* got "100"$/m);
  });

  it('rejects an expect naming an invariant that does not exist, with exit 2', () => {
    const bad = storyFile('bad-expect.json', { ...redisRace, expect: ['no-duplicate-order'] });
    const r = paysim(['replay', '--file', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /expect names unknown invariant "no-duplicate-order" \(did you mean "no-duplicate-orders"\?\)/,
    );
  });

  it('refuses to guess a design: without --design (or --file) it is a usage error', () => {
    const r = paysim(['replay', '--workload', 'o1:100@0', '--picks', 'user.submit#0=1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/replay needs --design/);
    expect(r.out).toBe('');
  });

  it('takes the design an --app config names, as check does', () => {
    const r = paysim(['replay', '--app', 'examples/paysim.config.ts', '--workload', 'o1:100@0']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /^npx paysim replay --design hardened --workload o1:100@0 --app examples\/paysim\.config\.ts$/m,
    );
  });
});
