// Someone on the internet who knows the callback URL and can guess out_trade_no values. For each
// intent, the `notify.forged` choice decides whether they post a success callback for the order's
// first attempt. The forgery is plausible: the right amount, the real merchant id, a fresh
// timestamp; only the signature is made up, so only signature verification stops it.

import type { Notification } from '../domain/messages.ts';
import { outTradeNoFor } from '../domain/messages.ts';
import type { ProviderProfile } from '../fakes/providers/provider-profile.ts';
import type { Service, World } from '../kernel/index.ts';
import type { Workload } from './workload.ts';

const forgeAfterMs = 8_000;

export class Attacker implements Service {
  readonly address = 'attacker';

  constructor(
    private readonly world: World,
    private readonly workload: Workload,
    private readonly enabled: boolean,
    private readonly profile: ProviderProfile,
  ) {}

  start(): void {
    if (!this.enabled) return;
    for (const intent of this.workload.intents) {
      if (this.world.choose('notify.forged', 2) === 0) continue;
      const outTradeNo = outTradeNoFor(`${intent.intentId}.1`, 1);
      this.world.setTimer(this.address, intent.atMs + forgeAfterMs, () => {
        const notification: Notification = {
          outTradeNo,
          amount: intent.amount,
          merchant: this.profile.merchantId,
          status: this.profile.notifyNames.SUCCESS ?? 'SUCCESS',
          timestampMs: this.world.nowMs,
          nonce: 'forged',
          signature: '00000000',
        };
        this.world.send(this.address, 'pc', { type: 'gateway.notify', notification }, 'notify.forged');
      });
    }
  }

  crash(): void {}
  deliver(): void {}
}
