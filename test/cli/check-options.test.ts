import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxOrdersHonoured } from '../../src/check/limits.ts';
import { paysim } from './paysim.ts';

const dir = mkdtempSync(join(tmpdir(), 'paysim-check-'));

describe('paysim check options', () => {
  it('accepts --verbose, which it recommends, and then tells the happy path in full', () => {
    const args = ['check', '--design', 'seed', '--seed', '3', '--runs', '300', '--faults', 'notify.tampered'];
    const story = paysim(args);
    expect(story.out).toMatch(/--verbose shows them/);
    const verbose = paysim([...args, '--verbose']);
    expect(verbose.code).toBe(1);
    expect(verbose.out).not.toMatch(/--verbose shows them/);
    expect(verbose.out).toMatch(/app → redis/);
    expect(verbose.out.split('\n').length).toBeGreaterThan(story.out.split('\n').length);
  });

  it(`rejects --orders above the ${maxOrdersHonoured} a generated world can have, naming the maximum`, () => {
    for (const command of ['check', 'matrix']) {
      const r = paysim([command, '--orders', String(maxOrdersHonoured + 1)]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        new RegExp(`--orders ${maxOrdersHonoured + 1} .*the maximum is ${maxOrdersHonoured}`),
      );
      expect(r.out).toBe('');
    }
    expect(paysim(['check', '--orders', String(maxOrdersHonoured), '--runs', '5', '--seed', '1']).code).toBe(
      0,
    );
  });

  it('--save names the design file relative to the story, so the pair can move together', () => {
    const project = join(dir, 'project');
    mkdirSync(join(project, 'designs'), { recursive: true });
    mkdirSync(join(project, 'stories'));
    writeFileSync(
      join(project, 'designs', 'ours.json'),
      JSON.stringify({ name: 'ours', extends: 'seed', provider: 'alipay' }),
    );
    // Run from the project folder, as a user would, with a path relative to it.
    const r = paysim(
      ['check', '--design', 'designs/ours.json', '--seed', '3', '--runs', '300', '--save', 'stories/cx.json'],
      {},
      project,
    );
    expect(r.code).toBe(1);
    const saved = JSON.parse(readFileSync(join(project, 'stories', 'cx.json'), 'utf8'));
    expect(saved.design).toBe('../designs/ours.json');
    const moved = join(dir, 'elsewhere');
    cpSync(project, moved, { recursive: true });
    const replayed = paysim(['replay', '--file', join(moved, 'stories', 'cx.json'), '--json']);
    expect(replayed.code).toBe(1);
    expect(JSON.parse(replayed.out).violations.length).toBeGreaterThan(0);
  });

  it('--save replaces a story it saved before, and never a file of another kind or a scenario', () => {
    const notes = join(dir, 'notes.md');
    writeFileSync(notes, '# my notes\n');
    const args = ['check', '--design', 'seed', '--seed', '21', '--runs', '2000'];
    const refused = paysim([...args, '--save', notes]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(
      'the file exists and is not one paysim wrote; paysim does not overwrite it',
    );
    expect(readFileSync(notes, 'utf8')).toBe('# my notes\n');
    // A scenario (a story with its lesson and expect) is someone's work too.
    const scenario = join(dir, 'scenario.json');
    writeFileSync(scenario, readFileSync('scenarios/seed-redis-race.json'));
    expect(paysim([...args, '--save', scenario]).err).toContain('is not one paysim wrote');
    expect(readFileSync(scenario, 'utf8')).toBe(readFileSync('scenarios/seed-redis-race.json', 'utf8'));
    const story = join(dir, 'again.json');
    expect(paysim([...args, '--save', story]).code).toBe(1);
    const first = readFileSync(story, 'utf8');
    expect(paysim(['check', '--design', 'naive', '--seed', '7', '--runs', '200', '--save', story]).code).toBe(
      1,
    );
    expect(readFileSync(story, 'utf8')).not.toBe(first);
    for (const name of ['', '-', `${dir}/`])
      expect(paysim([...args, '--save', name]).err).toBe(
        `paysim: --save ${JSON.stringify(name)}: give the name of a file to write (e.g. --save story.json)\n`,
      );
  });
});

describe('faults a design offers no place for', () => {
  const design = 'hardened,provider=alipay,forwarding=direct';
  const check = (...more: string[]) =>
    paysim(['check', '--design', design, '--runs', '5', '--seed', '1', ...more]);

  it('are counted out of "all", and each one given is noted', () => {
    expect(check().out).toMatch(/faults: all \d+, (\d+) of which can strike this design;/);
    // Left out rather than named: counted, and no note on faults nobody named.
    const allBut = check('--without-faults', 'notify.lost');
    expect(allBut.out).toMatch(/faults: \d+ \(all but notify\.lost\), \d+ of which can strike this design;/);
    expect(allBut.out).not.toContain('note: mq.lost never strikes');
    const some = check('--faults', 'mq.lost,pay.processing,notify.lost');
    expect(some.code).toBe(0);
    expect(some.out).toContain('faults: 3, 1 of which can strike this design;');
    expect(some.out).toContain(
      'note: mq.lost never strikes this design (this design forwards by direct call)',
    );
    expect(some.out).toContain('note: pay.processing never strikes this design (Stripe only)');
  });

  it('given alone, are refused as assertHolds refuses them: every run would take the happy path', () => {
    const only = check('--faults', 'mq.lost,pay.processing');
    expect(only.code).toBe(2);
    expect(only.err).toContain(
      `--faults: none of them can strike ${design} (mq.lost: this design forwards by direct call; pay.processing: Stripe only), so every run would take the happy path; give faults that can`,
    );
    expect(only.out).toBe('');
  });

  it('are listed with the reason in --json', () => {
    const r = check('--faults', 'mq.lost,notify.lost', '--json');
    expect(JSON.parse(r.out).faultsThatNeverStrike).toEqual([
      { fault: 'mq.lost', why: 'this design forwards by direct call' },
    ]);
  });
});
