// Derived designs: one mitigation switched off, or a design moved to another provider or channel.

import type { Design, MitigationName, Mitigations } from './design.ts';

export const mitigationNames = [
  'payingLock',
  'timeoutQuery',
  'forwardRetry',
  'idempotentNotify',
  'appQuery',
  'dedupe',
  'verifyNotifications',
  'closeBeforeGiveUp',
  'refundUnmatched',
  'outbox',
  'recoveryJob',
  'idempotentConsumer',
  'dbUniqueGuard',
  'reconciliation',
  'monotoneState',
] as const satisfies readonly MitigationName[];

export function isOn(design: Design, name: MitigationName): boolean {
  return design.mitigations[name] !== false;
}

export function withoutMitigation(design: Design, name: MitigationName): Design {
  const mitigations: Mitigations = { ...design.mitigations, [name]: false };
  return { ...design, name: `${design.name},-${name}`, mitigations };
}
