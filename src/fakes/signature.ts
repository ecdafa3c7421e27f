// Models the providers' callback signatures (WeChat Pay v3 signs `timestamp\nnonce\nbody\n`, Alipay
// RSA2 over sorted params) as a keyed FNV-1a hash: it is not cryptography, but it has the property the
// simulation needs: only the holder of the key can produce a matching signature for given fields.

import type { Notification } from '../domain/messages.ts';

/** The fields signed after the key, each followed by its separator. */
const signed = [
  ['timestampMs', '\n'],
  ['nonce', '\n'],
  ['outTradeNo', '|'],
  ['amount', '|'],
  ['merchant', '|'],
  ['status', '\n'],
] as const;

export function signNotification(key: string, n: Omit<Notification, 'signature'>): string {
  // FNV-1a of `${key}\n${timestampMs}\n${nonce}\n${outTradeNo}|${amount}|${merchant}|${status}\n`,
  // folded part by part instead of over the joined string (which showed in profiles).
  let hash = fold(fold(0x811c9dc5, key), '\n');
  for (const [field, separator] of signed) hash = fold(fold(hash, String(n[field])), separator);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

export function signatureValid(key: string, n: Notification): boolean {
  return signNotification(key, n) === n.signature;
}

function fold(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}
