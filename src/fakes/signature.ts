// Models the providers' callback signatures (WeChat Pay v3 signs `timestamp\nnonce\nbody\n`, Alipay
// RSA2 over sorted params) as a keyed FNV-1a hash: it is not cryptography, but it has the property the
// simulation needs: only the holder of the key can produce a matching signature for given fields.

import type { Notification } from '../domain/messages.ts';

export function signNotification(key: string, n: Omit<Notification, 'signature'>): string {
  // FNV-1a of `${key}\n${timestampMs}\n${nonce}\n${outTradeNo}|${amount}|${merchant}|${status}\n`,
  // folded part by part instead of over the joined string, the key's part once per key: every
  // callback is signed once and checked at least once, and both showed in profiles.
  let hash = keyed(key);
  hash = fold(fold(hash, String(n.timestampMs)), '\n');
  hash = fold(fold(hash, String(n.nonce)), '\n');
  hash = fold(fold(hash, String(n.outTradeNo)), '|');
  hash = fold(fold(hash, String(n.amount)), '|');
  hash = fold(fold(hash, String(n.merchant)), '|');
  hash = fold(fold(hash, String(n.status)), '\n');
  return (hash >>> 0).toString(16).padStart(8, '0');
}

export function signatureValid(key: string, n: Notification): boolean {
  return signNotification(key, n) === n.signature;
}

let lastKey: string | undefined;
let lastKeyHash = 0;

/** The hash of `${key}\n`: a provider profile signs with one key, so the last one is kept. */
function keyed(key: string): number {
  if (key !== lastKey) {
    lastKeyHash = fold(fold(0x811c9dc5, key), '\n');
    lastKey = key;
  }
  return lastKeyHash;
}

function fold(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}
