// Models the providers' callback signatures (WeChat Pay v3 signs `timestamp\nnonce\nbody\n`, Alipay
// RSA2 over sorted params) as a keyed FNV-1a hash: it is not cryptography, but it has the property the
// simulation needs: only the holder of the key can produce a matching signature for given fields.

import type { Notification } from '../domain/messages.ts';

export function signNotification(key: string, n: Omit<Notification, 'signature'>): string {
  return fnv1a(
    `${key}\n${n.timestampMs}\n${n.nonce}\n${n.outTradeNo}|${n.amount}|${n.merchant}|${n.status}\n`,
  );
}

export function signatureValid(key: string, n: Notification): boolean {
  return signNotification(key, n) === n.signature;
}

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
