import { describe, expect, it } from 'vitest';
import { paysim } from './paysim.ts';

// --design takes a spec everywhere, not only a preset or a file: the help says so, with its changes.
describe('--design in each command help', () => {
  it.each(['check', 'matrix', 'replay'])('%s --help describes a design spec with its changes', (command) => {
    const r = paysim([command, '--help']);
    expect(r.code).toBe(0);
    const help = r.out.replace(/\s+/g, ' ');
    expect(help).toContain('--design <spec>');
    expect(help).toContain('a design spec: a preset (naive, seed, hardened) or a JSON design file');
    for (const change of [
      '-payingLock',
      '+outbox',
      'provider=alipay',
      'replicas=2',
      'paymentCenter.writes=plain',
    ])
      expect(help).toContain(change);
  });
});
