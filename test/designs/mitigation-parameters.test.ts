// One parameter of a mitigation changed, from a spec (`timeoutQuery.afterMs=60000`) or a partial
// JSON object (`"dedupe": { "mode": "set-nx" }`): the rest comes from the base design, or from
// hardened's when the base has that mitigation off.

import { describe, expect, it } from 'vitest';
import { DesignError, parseDesign, resolveDesign } from '../../src/designs/load-design.ts';
import { presets } from '../../src/designs/presets.ts';
import { paysim } from '../cli/paysim.ts';

describe('mitigation.field=value in a design spec', () => {
  it('sets one parameter and keeps the others of the base design', async () => {
    const design = await resolveDesign('hardened,timeoutQuery.afterMs=60000');
    expect(design.mitigations.timeoutQuery).toEqual({ afterMs: 60000, intervalsMs: [10000, 20000, 30000] });
    expect(design.name).toBe('hardened,timeoutQuery.afterMs=60000');
  });

  it("takes hardened's parameters for a mitigation the base has off, and switches it on", async () => {
    const seed = await resolveDesign('seed,dedupe.mode=set-nx');
    expect(seed.mitigations.dedupe).toEqual({
      ...(presets.seed?.mitigations.dedupe as object),
      mode: 'set-nx',
    });
    const naive = await resolveDesign('naive,reconciliation.afterMs=1000');
    expect(naive.mitigations.reconciliation).toEqual({ afterMs: 1000 });
    const lists = await resolveDesign('naive,timeoutQuery.intervalsMs=1000/2000');
    expect(lists.mitigations.timeoutQuery).toEqual({ afterMs: 30000, intervalsMs: [1000, 2000] });
  });

  it.each([
    ['seed,dedupe.mode=nx', /dedupe\.mode expected "check-then-set" or "set-nx", got "nx"/],
    ['seed,timeoutQuery.afterMs=-1', /timeoutQuery\.afterMs expected 0 or more milliseconds, got "-1"/],
    ['seed,forwardRetry.attempts=0', /forwardRetry\.attempts expected 1 or more, got "0"/],
    [
      'seed,timeoutQuery.aftrMs=1',
      /no parameter "aftrMs" \(did you mean "afterMs"\?\); its parameters are afterMs, intervalsMs/,
    ],
    ['seed,payingLock.on=1', /payingLock has no parameters; switch it with \+payingLock or -payingLock/],
    ['seed,timeoutQuerry.afterMs=1', /unknown mitigation "timeoutQuerry" \(did you mean "timeoutQuery"\?\)/],
    [
      'seed,paymentCenter.replicass=2',
      /paymentCenter has no setting "replicass" \(did you mean "replicas"\?\)/,
    ],
  ])('%s is refused naming the field', async (spec, message) => {
    await expect(resolveDesign(spec)).rejects.toThrow(message);
    await expect(resolveDesign(spec)).rejects.toBeInstanceOf(DesignError);
  });

  it('is a usage error on the command line: exit 2, one line, no stack', () => {
    const r = paysim(['check', '--design', 'hardened,timeoutQuery.afterMs=soon', '--runs', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'paysim: design change "timeoutQuery.afterMs=soon": timeoutQuery.afterMs expected a number of milliseconds, got "soon"\n',
    );
  });
});

describe('a partial mitigation object in a JSON design', () => {
  it("merges with the base design's parameters", () => {
    const d = parseDesign(
      { extends: 'hardened', mitigations: { dedupe: { mode: 'check-then-set' } } },
      'x.json',
    );
    expect(d.mitigations.dedupe).toEqual({ mode: 'check-then-set', ttlMs: 10000 });
  });

  it("merges with hardened's when the base has it off", () => {
    const d = parseDesign({ extends: 'naive', mitigations: { timeoutQuery: { afterMs: 5000 } } }, 'x.json');
    expect(d.mitigations.timeoutQuery).toEqual({ afterMs: 5000, intervalsMs: [10000, 20000, 30000] });
  });

  it('still names a bad or unknown field inside it', () => {
    expect(() => parseDesign({ mitigations: { dedupe: { mode: 'nx' } } }, 'x.json')).toThrow(
      /mitigations\.dedupe\.mode: expected "check-then-set" or "set-nx", got "nx"/,
    );
    expect(() => parseDesign({ mitigations: { dedupe: { mod: 'set-nx' } } }, 'x.json')).toThrow(
      /mitigations\.dedupe\.mod: unknown field \(did you mean "mode"\?\)/,
    );
  });
});

// zod's own wording ("Invalid input: expected object, received string") never reaches a user.
describe('messages for values of the wrong shape', () => {
  it.each([
    ['x', '(top level): expected a JSON object'],
    [[], '(top level): expected a JSON object'],
    [{ paymentCenter: 'x' }, 'paymentCenter: expected an object with replicas and/or writes'],
    [{ businessApp: [] }, 'businessApp: expected an object with replicas and/or writes'],
    [{ timing: 5 }, 'timing: expected an object of durations'],
    [{ mitigations: 'all' }, 'mitigations: expected an object of mitigations'],
    [
      { mitigations: { timeoutQuery: { intervalsMs: 5 } } },
      'mitigations.timeoutQuery.intervalsMs: expected a list of milliseconds',
    ],
    [
      { mitigations: { timeoutQuery: { intervalsMs: [] } } },
      'mitigations.timeoutQuery.intervalsMs: expected at least one interval',
    ],
    [
      { mitigations: { dedupe: 'yes' } },
      'mitigations.dedupe: expected false, true or an object of parameters',
    ],
    [{ provider: null }, 'provider: expected "wechat", "alipay" or "stripe"'],
  ])('%j: %s', (value, message) => {
    let thrown = '';
    try {
      parseDesign(value, 'x.json');
    } catch (error) {
      thrown = (error as Error).message;
    }
    expect(thrown).toContain(message);
    expect(thrown).not.toMatch(/Invalid input|received/);
  });
});
