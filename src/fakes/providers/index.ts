import { alipay } from './alipay.profile.ts';
import type { ProviderProfile } from './provider-profile.ts';
import { stripe } from './stripe.profile.ts';
import { wechat } from './wechat.profile.ts';

export const providers: Readonly<Record<string, ProviderProfile>> = { wechat, alipay, stripe };
export type { ProviderProfile };
