// A WeChat Pay API v3 client as a team writes one with fetch and node:crypto (there is no official
// Node SDK): every request signed with the merchant's key, every answer's signature checked against
// the platform's public key, callbacks verified and their resource decrypted with the APIv3 key.

import { createDecipheriv, createSign, createVerify, randomBytes } from 'node:crypto';

export interface WechatPayConfig {
  readonly mchid: string;
  readonly appid: string;
  readonly merchantPrivateKey: string;
  readonly merchantSerialNo: string;
  readonly platformPublicKey: string;
  readonly apiV3Key: string;
}

export interface WechatAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export class WechatPayClient {
  constructor(private readonly config: WechatPayConfig) {}

  /** One signed call; rejects on a network error or an answer the platform did not sign. */
  async call(method: 'GET' | 'POST', path: string, body?: object): Promise<WechatAnswer> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const timestamp = Math.floor(Date.now() / 1000);
    const nonce = randomBytes(16).toString('hex');
    const signature = createSign('RSA-SHA256')
      .update(`${method}\n${path}\n${timestamp}\n${nonce}\n${text}\n`)
      .sign(this.config.merchantPrivateKey, 'base64');
    const res = await fetch(`https://api.mch.weixin.qq.com${path}`, {
      method,
      headers: {
        authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${this.config.mchid}",nonce_str="${nonce}",timestamp="${timestamp}",serial_no="${this.config.merchantSerialNo}",signature="${signature}"`,
        accept: 'application/json',
        'content-type': 'application/json',
      },
      ...(text === '' ? {} : { body: text }),
    });
    const answer = await res.text();
    if (!this.signedByPlatform((name) => res.headers.get(name) ?? undefined, answer))
      throw new Error(`WeChat Pay's answer to ${method} ${path} is not signed by the platform`);
    return { status: res.status, body: answer === '' ? {} : (JSON.parse(answer) as Record<string, unknown>) };
  }

  /**
   * A callback's transaction, if the platform signed it (unless `verify` is off) and it decrypts
   * under the APIv3 key; undefined for a forged one.
   */
  transactionOf(
    body: string,
    header: (name: string) => string | undefined,
    verify = true,
  ): Record<string, unknown> | undefined {
    if (verify && !this.signedByPlatform(header, body)) return undefined;
    try {
      return this.decrypt(body);
    } catch {
      return undefined;
    }
  }

  private decrypt(body: string): Record<string, unknown> {
    const resource = (
      JSON.parse(body) as { resource: { ciphertext: string; nonce: string; associated_data: string } }
    ).resource;
    const sealed = Buffer.from(resource.ciphertext, 'base64');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      Buffer.from(this.config.apiV3Key),
      Buffer.from(resource.nonce),
    );
    decipher.setAAD(Buffer.from(resource.associated_data));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
  }

  private signedByPlatform(header: (name: string) => string | undefined, body: string): boolean {
    const timestamp = header('wechatpay-timestamp');
    const nonce = header('wechatpay-nonce');
    const signature = header('wechatpay-signature');
    if (timestamp === undefined || nonce === undefined || signature === undefined) return false;
    // WeChat Pay asks merchants to refuse a signature more than five minutes off their clock.
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
    return createVerify('RSA-SHA256')
      .update(`${timestamp}\n${nonce}\n${body}\n`)
      .verify(this.config.platformPublicKey, signature, 'base64');
  }
}
