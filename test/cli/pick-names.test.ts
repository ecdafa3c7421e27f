import { describe, expect, it } from 'vitest';
import { replay } from '../../src/check/explore.ts';
import { resolveDesign } from '../../src/designs/load-design.ts';
import { allFaults, faultCatalogue } from '../../src/faults/catalogue.ts';
import { optionByName } from '../../src/faults/pick-names.ts';
import { parsePicks } from '../../src/kernel/index.ts';
import { paysim } from './paysim.ts';

const oneOrder = { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] };

async function run(spec: string, picks: string) {
  const design = await resolveDesign(spec);
  return replay(
    design,
    { workload: oneOrder, picks: parsePicks(picks, optionByName) },
    { faults: new Set(allFaults) },
  );
}

/**
 * A design and deviations under which the world asks choice `id`. A timeout query is asked only
 * when the payment is late; the query lag, only when the user pays just as a timeout query goes out
 * (40 s in: timeout query 2); a refund, when a payment lands after the order closed without a close
 * at the gateway; a late callback answer, when the payment center stalls at each of its handlers.
 */
function whereAsked(id: string): [spec: string, picks: string] {
  if (id === 'query.lag') return ['seed,+outbox', ' user.pay#0=12'];
  if (id.startsWith('query.')) return ['seed,+outbox', ' user.pay#0=after-timeout'];
  if (id.startsWith('mq.')) return ['hardened', ''];
  if (id === 'pay.processing') return ['seed,provider=stripe', ''];
  if (id === 'refund.outcome') return ['hardened,-closeBeforeGiveUp', ' user.pay#0=36'];
  if (id === 'notify.answer.late')
    return ['seed,provider=stripe', Array.from({ length: 12 }, (_, n) => ` pc.stall#${n}=12s`).join('')];
  return ['seed,+outbox', ''];
}

describe('picks by name', () => {
  it('`paysim faults` lists every choice with its options by name', () => {
    const r = paysim(['faults']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/notify\.duplicated .*\n\s+options: 1=at-once, 2=later\n/);
    expect(r.out).toMatch(/user\.pay .*\n\s+options: 1=slow, 2=after-query-window, 3=after-close, 4=twice/);
    expect(r.out).toContain('listed by `paysim faults --design` given the design');
    for (const f of faultCatalogue) expect(r.out).toContain(f.id);
  });

  it('`paysim faults --design` numbers user.pay moments after the fixed behaviours', () => {
    const r = paysim(['faults', '--design', 'seed']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /\n\s+8 {2}will pay 29 s after the pay page opens, just before the payment center's callback timeout \(timeout query 1\)\n/,
    );
  });

  it('a pick by name replays exactly as the same pick by number', () => {
    const args = ['replay', '--design', 'seed', '--workload', 'o1:100@0', '--json', '--picks'];
    const byName = paysim([...args, 'notify.duplicated#0=at-once user.pay#0=twice']);
    const byNumber = paysim([...args, 'notify.duplicated#0=1 user.pay#0=4']);
    expect(byName.code).toBe(1);
    expect(JSON.parse(byName.out).traceHash).toBe(JSON.parse(byNumber.out).traceHash);
  });

  it('an unknown name is refused naming the pick and listing the valid names, exit 2', () => {
    const r = paysim([
      'replay',
      '--design',
      'seed',
      '--workload',
      'o1:100@0',
      '--picks',
      'notify.duplicated#0=twice',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('notify.duplicated#0=twice');
    expect(r.err).toContain('at-once, later');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a choice whose options are only numbered says so', () => {
    expect(() => optionByName('pc.replica', 'first')).toThrow(/pc\.replica takes option numbers only/);
    expect(() => optionByName('notify.lots', 'lost')).toThrow(
      /unknown choice "notify\.lots" \(did you mean "notify\.lost"\?\)/,
    );
  });

  it('every name is unique within its choice', () => {
    for (const f of faultCatalogue) expect(new Set(f.options).size, f.id).toBe(f.options.length);
  });

  // The delay and stall names mirror the world's option lists: a name must pick that length.
  it.each([
    ['seed', 'notify.delayed#0=30s', 'delayed 30000 ms'],
    ['seed', 'notify.delayed#0=6min', 'delayed 360000 ms'],
    ['seed', 'gateway.slow#0=4s', 'delayed 4000 ms'],
    ['seed', 'pc.stall#0=1.5s', 'stalls 1500 ms'],
    ['seed', 'app.stall#0=12s', 'stalls 12000 ms'],
    ['hardened', 'mq.delayed#0=2s', 'delayed 2000 ms'],
    ['seed', 'notify.duplicated#0=later', 'copy a little later'],
  ])('%s: %s does what its name says', async (spec, picks, shown) => {
    const result = await run(spec, picks);
    expect(JSON.stringify(result.trace)).toContain(shown);
  });

  // The last name of each choice is an option the world offers (a name past its options would throw).
  it('every named option exists where the world asks that choice', async () => {
    for (const f of faultCatalogue) {
      const last = f.options.at(-1);
      if (last === undefined) continue;
      const [spec, late] = whereAsked(f.id);
      const result = await run(spec, `${f.id}#0=${last}${late}`);
      expect(result.picks, f.id).toContainEqual({ label: f.id, nth: 0, index: f.options.length });
    }
  });
});
