// What the HTTP adapter needs of a provider's wire format (stripe-api.ts, wechat-api.ts): the msw
// handlers for its API, the callback it posts for a gateway notification, and how the provider's
// ids that the service hands back map to paysim's trade numbers.

import type { HttpHandler } from 'msw';
import type { GatewayClient } from '../adapters/payment-center-port.ts';
import type { Notification } from '../domain/messages.ts';

export interface ProviderWire {
  handlers(): HttpHandler[];
  /** The callback for a gateway notification: its body and headers (signed unless forged). */
  callback(n: Notification, genuine: boolean): { body: string; headers: Record<string, string> };
  /** paysim's trade for an id of the provider's that the service holds (a payment, a prepay, a QR). */
  tradeOf(id: string): string | undefined;
  /** Where the service takes this provider's callbacks, unless its routes say otherwise. */
  readonly notifyPath: string;
  /** Names the provider's API in a refusal: what the check answers. */
  readonly host: string;
}

/** Thrown by the gateway client when the world cut the gateway's answer short (`gateway.reply.malformed`). */
export class MalformedReply extends Error {
  constructor() {
    super('the gateway answer was cut short in transit');
  }
}

/**
 * The gateway client a provider's API asks, made to throw `MalformedReply` for an answer cut short,
 * so the API can answer what a client then sees: a 200 whose body does not parse.
 */
export function throwingOnMalformed(client: GatewayClient): GatewayClient {
  const checked =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const reply = await call(...args);
      if ((reply as { malformed?: boolean }).malformed) throw new MalformedReply();
      return reply;
    };
  return {
    prepay: checked(client.prepay.bind(client)),
    query: checked(client.query.bind(client)),
    close: checked(client.close.bind(client)),
    refund: checked(client.refund.bind(client)),
  };
}

/** What an answer cut short looks like on the wire: the status line made it, half the body did not. */
export function malformedResponse(): Response {
  return new Response('{"id":"', { status: 200, headers: { 'content-type': 'application/json' } });
}
