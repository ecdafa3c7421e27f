// What the HTTP adapter needs of a provider's wire format (stripe-api.ts, wechat-api.ts): the msw
// handlers for its API, the callback it posts for a gateway notification, and how the provider's
// ids that the service hands back map to paysim's trade numbers.

import type { HttpHandler } from 'msw';
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
