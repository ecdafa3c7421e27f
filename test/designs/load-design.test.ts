import { describe, expect, it } from 'vitest';
import { DesignError, parseDesign, resolveDesign } from '../../src/designs/load-design.ts';
import { presets } from '../../src/designs/presets.ts';

const rejects = (value: unknown) => expect(() => parseDesign(value, 'my-design.json'));

describe('loading a design from JSON', () => {
  it('extends a preset and overrides mitigations and timing', () => {
    const design = parseDesign({
      name: 'mine',
      extends: 'seed',
      provider: 'alipay',
      mitigations: { dedupe: { mode: 'set-nx', ttlMs: 5000 }, verifyNotifications: true },
      timing: { orderTimeoutMs: 600000 },
    });
    expect(design.provider).toBe('alipay');
    expect(design.mitigations.dedupe).toEqual({ mode: 'set-nx', ttlMs: 5000 });
    expect(design.mitigations.verifyNotifications).toBe(true);
    expect(design.mitigations.payingLock).toBe(true);
    expect(design.timing).toEqual({ ...presets.seed?.timing, orderTimeoutMs: 600000 });
  });

  it('turns `true` into the parameters of the base design, or of hardened when the base has it off', () => {
    const design = parseDesign({ name: 'mine', extends: 'naive', mitigations: { timeoutQuery: true } });
    expect(design.mitigations.timeoutQuery).toEqual(presets.hardened?.mitigations.timeoutQuery);
  });

  it('names an unknown mitigation and suggests the closest one', () => {
    rejects({ name: 'x', mitigations: { payingLok: true } }).toThrow(
      /mitigations\.payingLok: unknown field \(did you mean "payingLock"\?\)/,
    );
  });

  it('names a negative timeout with its full path', () => {
    rejects({ name: 'x', mitigations: { timeoutQuery: { afterMs: -5, intervalsMs: [1000] } } }).toThrow(
      /mitigations\.timeoutQuery\.afterMs: expected 0 or more milliseconds, got -5/,
    );
  });

  it('names a value of the wrong type', () => {
    rejects({ name: 'x', mitigations: { idempotentNotify: 'yes' } }).toThrow(
      /mitigations\.idempotentNotify: expected true or false, got "yes"/,
    );
    rejects({ name: 'x', timing: { requestTimeoutMs: '5s' } }).toThrow(
      /timing\.requestTimeoutMs: expected a number of milliseconds, got "5s"/,
    );
  });

  it('names a design without a name after its file, and names an unknown provider and a misspelt preset', () => {
    expect(parseDesign({ extends: 'seed' }, 'designs/ours.json').name).toBe('ours');
    rejects({ name: '' }).toThrow(/name: expected a non-empty name/);
    rejects({ name: 'x', provider: 'paypal' }).toThrow(
      /provider: expected "wechat", "alipay" or "stripe", got "paypal"/,
    );
    rejects({ name: 'x', extends: 'sed' }).toThrow(/extends: .*got "sed" \(did you mean "seed"\?\)/);
  });

  it('switches a mitigation on with + and hardened parameters, and names a misspelt one', async () => {
    const design = await resolveDesign('seed,+outbox,+reconciliation');
    expect(design.mitigations.outbox).toBe(true);
    expect(design.mitigations.reconciliation).toEqual(presets.hardened?.mitigations.reconciliation);
    await expect(resolveDesign('seed,+outbx')).rejects.toThrow(
      /unknown mitigation "outbx" \(did you mean "outbox"\?\)/,
    );
  });

  it('sets instances and write guards per service or for both, and refuses bad values', async () => {
    const design = await resolveDesign('hardened,replicas=2,businessApp.writes=plain');
    expect([design.paymentCenter, design.businessApp]).toEqual([
      { replicas: 2, writes: 'conditional' },
      { replicas: 2, writes: 'plain' },
    ]);
    await expect(resolveDesign('hardened,replicas=0')).rejects.toThrow(
      /replicas=0": expected a whole number of instances from 1 to 8/,
    );
    await expect(resolveDesign('hardened,writes=plian')).rejects.toThrow(/did you mean "plain"/);
    rejects({ name: 'x', paymentCenter: { writes: 'optimistic' } }).toThrow(
      /paymentCenter\.writes: expected one of/,
    );
  });

  it('reports a missing file, a non-JSON file and an unknown preset as design errors', async () => {
    await expect(resolveDesign('nowhere.json')).rejects.toThrow(/design file nowhere.json does not exist/);
    await expect(resolveDesign('package.json')).rejects.toBeInstanceOf(DesignError);
    await expect(resolveDesign('hardend')).rejects.toThrow(
      /unknown design "hardend" \(did you mean "hardened"\?\)/,
    );
  });
});
