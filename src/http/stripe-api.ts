// Stripe's API as the official SDK meets it (api.stripe.com/v1, form-encoded requests, JSON
// answers and errors, idempotency keys, signed webhooks), answered by paysim's gateway model: each
// call becomes a gateway request through the world, so it can be lost, fail or be slow, and the
// model's trade is what the answer says. What it imitates (docs.stripe.com, API reference):
// - POST /v1/payment_intents creates a PaymentIntent (`requires_payment_method` until the buyer
//   pays); the same Idempotency-Key with the same parameters answers the first result again, with
//   other parameters `idempotency_error`; paysim's order id is `metadata[order_id]`.
// - GET /v1/payment_intents/:id, POST /v1/payment_intents/:id/cancel (a succeeded or processing
//   intent cannot be canceled: `payment_intent_unexpected_state`), POST /v1/refunds.
// - Webhooks: an Event `{ id, type, data: { object } }` in the body and
//   `Stripe-Signature: t=<unix seconds>,v1=<HMAC-SHA256 of "t.body" under the endpoint secret>`.
// A call whose answer the world lost is a network error to the SDK, as a timeout is.

import { createHmac } from 'node:crypto';
import { HttpResponse, http } from 'msw';
import type { GatewayClient } from '../adapters/payment-center-port.ts';
import { ProcessCrashed } from '../adapters/service-ports.ts';
import { type Notification, orderIdOf } from '../domain/messages.ts';
import { MalformedReply, malformedResponse, type ProviderWire } from './provider-wire.ts';

const base = 'https://api.stripe.com/v1';

interface Intent {
  readonly id: string;
  readonly outTradeNo: string;
  readonly amount: number;
  readonly currency: string;
  readonly metadata: Record<string, string>;
}

/** A call answered: its HTTP status and JSON body, kept for an idempotent replay. */
interface Answer {
  readonly status: number;
  readonly body: object;
  /** The gateway ran the call and its answer was cut short on the way (`gateway.reply.malformed`). */
  readonly cutShort?: true;
}

function stripeError(status: number, type: string, code: string, message: string): Answer {
  return { status, body: { error: { type, code, message } } };
}

/** The form body the SDK sends (`metadata[order_id]=…` nests one level). */
function formOf(text: string): { fields: Map<string, string>; metadata: Record<string, string> } {
  const fields = new Map<string, string>();
  const metadata: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const nested = /^metadata\[(.+)\]$/.exec(key);
    if (nested) metadata[nested[1] as string] = value;
    else fields.set(key, value);
  }
  return { fields, metadata };
}

/** The process that asked died while it waited: its connection is gone, its answer with it. */
function lost(error: unknown): Answer {
  if (error instanceof ProcessCrashed) return { status: 0, body: {} };
  if (error instanceof MalformedReply) return { status: 200, body: {}, cutShort: true };
  throw error;
}

/** One run's Stripe account: its intents, refunds and idempotency keys. */
export class StripeApi implements ProviderWire {
  readonly notifyPath = '/webhooks/stripe';
  readonly host = 'api.stripe.com';

  private readonly intents = new Map<string, Intent>();
  /** Each Idempotency-Key's first request, the trade it made, and its answer once there was one. */
  private readonly keys = new Map<string, { request: string; outTradeNo?: string; answer?: Answer }>();
  private readonly attempts = new Map<string, number>();
  private nextEvent = 1;

  constructor(
    /** The gateway client of the process that called; for a dead one it throws ProcessCrashed. */
    private readonly gateway: () => GatewayClient,
    private readonly credentials: { readonly secretKey: string; readonly webhookSecret: string },
    /** Tells the story one exchange: `POST /v1/payment_intents → 200`, about an order. */
    private readonly tell: (exchange: string, orderId: string | undefined) => void,
  ) {}

  /** The msw handlers for Stripe's API. */
  handlers() {
    return [
      http.post(`${base}/payment_intents`, ({ request }) =>
        this.exchange(request, () => this.idempotent(request, (body, key) => this.create(body, key))),
      ),
      http.get(`${base}/payment_intents/:id`, ({ request, params }) =>
        this.exchange(request, () => this.answer(() => this.retrieve(String(params.id)))),
      ),
      http.post(`${base}/payment_intents/:id/cancel`, ({ request, params }) =>
        this.exchange(request, () => this.answer(() => this.cancel(String(params.id)))),
      ),
      http.post(`${base}/refunds`, ({ request }) =>
        this.exchange(request, () =>
          this.idempotent(request, (body, key) => this.refund(body, key ?? `re_${this.nextEvent++}`)),
        ),
      ),
    ];
  }

  /** Every call: the secret key checked first, as Stripe does; then told in the story with its answer. */
  private async exchange(request: Request, call: () => Promise<Response>): Promise<Response> {
    const path = new URL(request.url).pathname;
    const id = /\/payment_intents\/([^/]+)/.exec(path)?.[1];
    const before = id === undefined ? undefined : this.intents.get(id)?.outTradeNo;
    let response: Response;
    if (request.headers.get('authorization') !== `Bearer ${this.credentials.secretKey}`)
      response = HttpResponse.json(
        { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } },
        { status: 401 },
      );
    else response = await call();
    const body =
      response.type === 'error'
        ? undefined
        : ((await response
            .clone()
            .json()
            .catch(() => undefined)) as Record<string, unknown> | undefined);
    const outTradeNo =
      before ?? this.intents.get(String(body?.id ?? body?.payment_intent ?? ''))?.outTradeNo ?? undefined;
    const answer =
      response.type === 'error'
        ? 'no answer (network error)'
        : body === undefined
          ? `${response.status}, its body cut short`
          : String(response.status);
    this.tell(
      `Stripe ${request.method} ${path} → ${answer}`,
      outTradeNo === undefined ? undefined : orderIdOf(outTradeNo),
    );
    return response;
  }

  /** The trade paysim knows a PaymentIntent by, from its id or its client secret. */
  tradeOf(id: string): string | undefined {
    return this.intents.get(id.replace(/_secret_.*$/, ''))?.outTradeNo;
  }

  callback(n: Notification, genuine: boolean): { body: string; headers: Record<string, string> } {
    const { body, signature } = this.webhook(n, genuine);
    return { body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } };
  }

  /** The webhook Stripe posts for a gateway callback: its body and signature header. */
  webhook(n: Notification, genuine: boolean): { body: string; signature: string } {
    const intent = [...this.intents.values()].find((i) => i.outTradeNo === n.outTradeNo);
    const type = n.status;
    const status = type.replace(/^payment_intent\./, '').replace('payment_failed', 'requires_payment_method');
    const event = {
      id: `evt_${this.nextEvent++}`,
      object: 'event',
      type,
      created: Math.floor(n.timestampMs / 1000),
      data: { object: this.intentObject(intent ?? this.unknownIntent(n), status, n.amount) },
    };
    const body = JSON.stringify(event);
    const t = Math.floor(n.timestampMs / 1000);
    // A forged or tampered callback does not carry a signature made with the endpoint's secret.
    const secret = genuine ? this.credentials.webhookSecret : `${this.credentials.webhookSecret}-not`;
    const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    return { body, signature: `t=${t},v1=${v1}` };
  }

  private async create(form: ReturnType<typeof formOf>, key: string | undefined): Promise<Answer> {
    const amount = Number(form.fields.get('amount'));
    const orderId = form.metadata.order_id;
    if (!Number.isInteger(amount) || amount <= 0)
      return stripeError(
        400,
        'invalid_request_error',
        'parameter_missing',
        'Missing required param: amount.',
      );
    if (orderId === undefined)
      return stripeError(
        400,
        'invalid_request_error',
        'parameter_missing',
        "paysim's Stripe needs metadata[order_id]: the order id paysim gave your service",
      );
    // A retry under the same key asks for the same trade again (its first answer may have been lost).
    const entry = key === undefined ? undefined : this.keys.get(key);
    let outTradeNo = entry?.outTradeNo;
    if (outTradeNo === undefined) {
      const attempt = (this.attempts.get(orderId) ?? 0) + 1;
      this.attempts.set(orderId, attempt);
      outTradeNo = `${orderId}~${attempt}`;
      if (entry !== undefined) entry.outTradeNo = outTradeNo;
    }
    const reply = await this.gateway().prepay(outTradeNo, amount);
    if (!reply.ok) return this.failure(reply as { code?: string });
    const intent: Intent = {
      id: `pi_${outTradeNo}`.replace(/[^\w]/g, '_'),
      outTradeNo,
      amount,
      currency: form.fields.get('currency') ?? 'usd',
      metadata: form.metadata,
    };
    this.intents.set(intent.id, intent);
    return { status: 200, body: this.intentObject(intent, 'requires_payment_method') };
  }

  private async retrieve(id: string): Promise<Answer> {
    const intent = this.intents.get(id);
    if (intent === undefined) return this.missing(id);
    const reply = await this.gateway().query(intent.outTradeNo);
    if (!reply.ok) return this.failure(reply as { code?: string });
    return { status: 200, body: this.intentObject(intent, reply.status ?? 'requires_payment_method') };
  }

  private async cancel(id: string): Promise<Answer> {
    const intent = this.intents.get(id);
    if (intent === undefined) return this.missing(id);
    const reply = (await this.gateway().close(intent.outTradeNo)) as Awaited<
      ReturnType<GatewayClient['close']>
    > & {
      code?: string;
    };
    if (!reply.ok) return this.failure(reply as { code?: string });
    if (reply.result === 'closed') return { status: 200, body: this.intentObject(intent, 'canceled') };
    return stripeError(
      400,
      'invalid_request_error',
      'payment_intent_unexpected_state',
      'You cannot cancel this PaymentIntent because it has a status of succeeded.',
    );
  }

  private async refund(form: ReturnType<typeof formOf>, refundNo: string): Promise<Answer> {
    const intent = this.intents.get(form.fields.get('payment_intent') ?? '');
    if (intent === undefined) return this.missing(form.fields.get('payment_intent') ?? '(none)');
    const amount = Number(form.fields.get('amount') ?? intent.amount);
    const reply = await this.gateway().refund(intent.outTradeNo, refundNo, amount);
    if (!reply.ok)
      return reply.code === undefined || reply.code === 'SYSTEMERROR'
        ? this.failure(reply)
        : stripeError(400, 'invalid_request_error', 'charge_already_refunded', reply.code);
    return {
      status: 200,
      body: {
        id: `re_${refundNo}`.replace(/[^\w]/g, '_'),
        object: 'refund',
        amount,
        payment_intent: intent.id,
        status: reply.status,
      },
    };
  }

  private intentObject(intent: Intent, status: string, amount = intent.amount): object {
    return {
      id: intent.id,
      object: 'payment_intent',
      amount,
      currency: intent.currency,
      status,
      client_secret: `${intent.id}_secret_paysim`,
      metadata: intent.metadata,
    };
  }

  /** A callback for a trade no intent was created for (a forged one): it names the trade only. */
  private unknownIntent(n: Notification): Intent {
    return {
      id: `pi_${n.outTradeNo}`.replace(/[^\w]/g, '_'),
      outTradeNo: n.outTradeNo,
      amount: n.amount,
      currency: 'usd',
      metadata: {},
    };
  }

  private missing(id: string): Answer {
    return stripeError(404, 'invalid_request_error', 'resource_missing', `No such payment_intent: '${id}'`);
  }

  /** A gateway error is Stripe's 500; no answer in time is a network error (`undefined`). */
  private failure(reply: { code?: string }): Answer {
    if (reply.code === undefined) return { status: 0, body: {} };
    if (reply.code === 'SYSTEMERROR')
      return stripeError(500, 'api_error', 'api_error', 'An unknown error occurred');
    return stripeError(400, 'invalid_request_error', reply.code, reply.code);
  }

  private async answer(call: () => Promise<Answer>): Promise<Response> {
    const { status, body, cutShort } = await call().catch(lost);
    if (status === 0) return HttpResponse.error();
    if (cutShort) return malformedResponse();
    return HttpResponse.json(body, { status });
  }

  /** A POST with an Idempotency-Key answers its first result again, if it had one. */
  private async idempotent(
    request: Request,
    call: (form: ReturnType<typeof formOf>, key: string | undefined) => Promise<Answer>,
  ): Promise<Response> {
    const text = await request.text();
    const key = request.headers.get('idempotency-key') ?? undefined;
    let known = key === undefined ? undefined : this.keys.get(key);
    if (known !== undefined) {
      if (known.request !== text)
        return HttpResponse.json(
          stripeError(
            400,
            'idempotency_error',
            'idempotency_key_in_use',
            'Keys for idempotent requests can only be used with the same parameters they were first used with.',
          ).body,
          { status: 400 },
        );
      if (known.answer !== undefined)
        return HttpResponse.json(known.answer.body, { status: known.answer.status });
    } else if (key !== undefined) {
      known = { request: text };
      this.keys.set(key, known);
    }
    const answer = await call(formOf(text), key).catch(lost);
    if (answer.status === 0) return HttpResponse.error();
    if (answer.cutShort) return malformedResponse();
    // Stripe keeps the result of a key once the request ran, errors included, but not a 500.
    if (known !== undefined && answer.status < 500) known.answer = answer;
    return HttpResponse.json(answer.body, { status: answer.status });
  }
}
