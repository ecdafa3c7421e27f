// RSA key pairs for the providers' test accounts: paysim's own, made once per process, never real
// keys. (node:crypto cannot make a key pair from a seed; signatures never enter a trace, so a new
// pair per process changes no run.)

import { generateKeyPairSync } from 'node:crypto';

export type KeyPair = { readonly publicKey: string; readonly privateKey: string };

/** A 2048-bit RSA pair: public key as SPKI PEM, private key as PKCS#8 PEM. */
export function rsaKeyPair(): KeyPair {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}
