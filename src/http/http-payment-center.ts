// Runs a payment center written as an ordinary HTTP service (Hono, or any framework with a fetch
// handler) in place of the model, unmodified: the business app's requests reach its routes as real
// HTTP requests, made in-process; its calls to Stripe (official SDK), WeChat Pay v3 or Alipay are
// answered by msw from paysim's gateway model (stripe-api.ts, wechat-api.ts, alipay-api.ts); the provider's callbacks are
// signed POSTs to its notify route, and its answer decides the provider's retries; its results go
// to the order service by an HTTP POST; its timers and `Date` follow the world's clock (virtual-time.ts); its
// SQL runs on the run's PostgreSQL. It is a payment center behind the port (async-payment-center.ts)
// whose handlers speak HTTP, so crashes, timeouts, stories and checkers are the port's.
//
// Its HTTP contract, relative to `baseUrl` (each path can be changed in `routes`):
//   POST /payments {orderId, amount}       → 2xx with what the buyer pays: Stripe's client_secret,
//                                            WeChat's code_url or prepay_id, Alipay's qr_code
//   POST /payments/:orderId/close          → 2xx when the payment is closed (not paid)
//   GET  /payments/:orderId                → 2xx {status}: paying, closing, paid, closed, exception
//   POST /webhooks/stripe, /notify/wechat, /notify/alipay  ← the provider's signed callbacks
// and it posts each success to `env.resultsUrl` as {orderId, payment, amount} (`payment`: the
// provider's id of it: PaymentIntent id, out_trade_no or transaction_id); a 2xx answer means the
// order service took it. paysim's order id rides with the payment: Stripe `metadata[order_id]`,
// WeChat Pay `attach`, Alipay `passback_params`.

import { AsyncLocalStorage } from 'node:async_hooks';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { AsyncPaymentCenter } from '../adapters/async-payment-center.ts';
import { refuseUnknownAdapterOptions, refuseUnknownOptions } from '../adapters/known-options.ts';
import {
  type GatewayClient,
  type PaymentCenterHandlers,
  type PaymentCenterPorts,
  type PaymentStatusAnswer,
  paymentStatusAnswers,
} from '../adapters/payment-center-port.ts';
import { ContractError, ProcessCrashed } from '../adapters/service-ports.ts';
import type { Sql, SqlOptions } from '../adapters/sql-port.ts';
import type { PaymentCenterFactory } from '../check/simulate.ts';
import type { Design } from '../designs/design.ts';
import { type Fact, factsOf, type PaymentFact } from '../domain/facts.ts';
import { type Notification, orderIdOf } from '../domain/messages.ts';
import type { ProviderProfile } from '../fakes/providers/provider-profile.ts';
import type { TraceEntry, World } from '../kernel/index.ts';
import { AlipayApi, type AlipayCredentials, alipayCredentials } from './alipay-api.ts';
import { NetworkGuard } from './network-guard.ts';
import { type ProviderWire, throwingOnMalformed } from './provider-wire.ts';
import { StripeApi } from './stripe-api.ts';
import { VirtualTime } from './virtual-time.ts';
import { WechatApi, type WechatCredentials, wechatCredentials } from './wechat-api.ts';

export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** What your service is started with, in place of its environment. */
export interface HttpAppEnv {
  /** The run's PostgreSQL, shaped like node-postgres: use it where your code takes a `pg` Pool. */
  readonly sql: Sql;
  /** The design's provider: which of the credentials below the service should use. */
  readonly provider: 'stripe' | 'wechat' | 'alipay';
  /** Stripe test credentials, made for the process (never real ones). */
  readonly stripe: { readonly secretKey: string; readonly webhookSecret: string };
  /** WeChat Pay test merchant: its keys, the platform's public key, the APIv3 key. */
  readonly wechat: WechatCredentials;
  /** Alipay test app: its app id, seller id (PID), private key and Alipay's public key. */
  readonly alipay: AlipayCredentials;
  /** Where to POST each payment result for the order service: JSON {orderId, payment, amount}. */
  readonly resultsUrl: string;
}

export interface HttpRoutes {
  readonly createPayment: string;
  readonly closePayment: string;
  readonly queryPayment: string;
  readonly notify: string;
}

export interface HttpPaymentCenterOptions {
  /** Starts your service (and again after each crash): returns its fetch handler, e.g. `app.fetch`. */
  readonly start: (
    env: HttpAppEnv,
  ) => FetchHandler | { fetch: FetchHandler } | Promise<FetchHandler | { fetch: FetchHandler }>;
  /** Your schema and the query that reads your payments as facts (see sql-port.ts). */
  readonly sql: SqlOptions;
  /** Where your service listens; only a name, nothing is opened. Default `http://payment-center.test`. */
  readonly baseUrl?: string;
  readonly routes?: Partial<HttpRoutes>;
}

/** The port's handlers the HTTP service serves as routes. */
const handlerRoutes: Record<string, readonly [method: string, route: keyof HttpRoutes]> = {
  onCreatePayment: ['POST', 'createPayment'],
  onClose: ['POST', 'closePayment'],
  onQuery: ['GET', 'queryPayment'],
  onNotify: ['POST', 'notify'],
};

const defaultRoutes: Omit<HttpRoutes, 'notify'> = {
  createPayment: '/payments',
  closePayment: '/payments/:orderId/close',
  queryPayment: '/payments/:orderId',
};
const resultsUrl = 'https://orders.paysim.test/payment-results';
const stripeKeys = { secretKey: 'sk_test_paysim', webhookSecret: 'whsec_paysim_endpoint' };
/** The app's timers rest after this many wake-ups in a row in which nothing happened anywhere. */
const idleWakesBeforeRest = 3;
/** How long in real time the app may keep running after an event before paysim calls it stuck. */
const watchdogMs = 10_000;

// Intercepts the process's outbound HTTP for the length of a run: anything unanswered is an error.
const server = setupServer();
/** Refuses sockets past msw (undici's own requests, raw connects) for the length of a run. */
const network = new NetworkGuard();

/** The process incarnation an outbound request came from: a dead one's requests go nowhere. */
const incarnation = new AsyncLocalStorage<HttpBridge>();

class HttpPaymentCenter extends AsyncPaymentCenter {
  readonly time = new VirtualTime();
  readonly wire: ProviderWire;
  readonly provider: HttpAppEnv['provider'];
  /** The bridge of the live process. */
  live: HttpBridge | undefined;
  /** Inbound requests and outbound calls begun and ended: the app is settled when this stops moving. */
  activity = 0;
  lastRequest = '(none)';
  /** Requests into the live process not answered yet, with when they were sent. */
  readonly unanswered = new Map<number, string>();
  /** The first outbound request nothing answers: the run fails with it. */
  private unhandled: string | undefined;
  private listening = false;
  /**
   * Wake-ups of the app's clock in a row after which nothing at all happened in the world: a
   * timer polling an idle service (an outbox relay on setInterval) must not keep the run alive.
   */
  private idleWakes = 0;
  private traceSeen = 0;

  constructor(
    world: World,
    design: Design,
    profile: ProviderProfile,
    readonly options: HttpPaymentCenterOptions,
  ) {
    // The bridges need the host, which exists only once super() returns.
    const self: { host?: HttpPaymentCenter } = {};
    super(
      world,
      design,
      profile,
      (ports) => new HttpBridge(ports, self.host as HttpPaymentCenter),
      () => undefined,
      options.sql,
    );
    self.host = this;
    if (design.paymentCenter.replicas > 1)
      throw new ContractError(
        `httpPaymentCenter runs one instance of your service so far; the design asks for ${design.paymentCenter.replicas} (paymentCenter.replicas)`,
      );
    const gateway = () => {
      this.activity++;
      const bridge = this.caller();
      // A dead process's connection is gone: its call goes nowhere.
      if (bridge === undefined) throw new ProcessCrashed();
      return bridge.gateway;
    };
    const tell = (exchange: string, orderId: string | undefined) => this.tell(exchange, orderId);
    this.provider = profile.name as HttpAppEnv['provider'];
    if (profile.name === 'stripe') this.wire = new StripeApi(gateway, stripeKeys, tell);
    // Their RSA keys are made on first use, once per process: a few tenths of a second each.
    else if (profile.name === 'wechat') this.wire = new WechatApi(gateway, wechatCredentials(), tell);
    else if (profile.name === 'alipay') this.wire = new AlipayApi(gateway, alipayCredentials(), tell);
    else
      throw new ContractError(
        `httpPaymentCenter speaks Stripe, WeChat Pay and Alipay; the design's provider is ${profile.name}`,
      );
  }

  /** The status the service's rows last stated for the payment of `orderId`, if they ever stated one. */
  statedPayment(orderId: string): string | undefined {
    const trace = this.world.trace;
    for (let i = trace.length - 1; i >= 0; i--) {
      const entry = trace[i] as TraceEntry;
      if (!('owner' in entry) || entry.owner !== this.address) continue;
      const fact = factsOf(entry).find((f) => f.kind === 'payment' && f.orderId === orderId);
      if (fact !== undefined) return (fact as PaymentFact).status;
    }
    return undefined;
  }

  /** Before the app's first start: outbound HTTP to msw, its clock to the world's. */
  open(): void {
    if (this.listening) return;
    this.listening = true;
    this.unhandled = undefined;
    server.listen({
      onUnhandledRequest: (request) => {
        this.unhandled ??= `${request.method} ${request.url}`;
        throw new Error(
          `paysim answers no ${request.method} ${request.url}: a check makes no real network call`,
        );
      },
    });
    server.resetHandlers(...this.wire.handlers(), this.resultsHandler());
    this.time.install(this.world.nowMs);
    network.install();
  }

  override crash(replica: number): void {
    super.crash(replica);
    this.live = undefined;
    this.unanswered.clear();
    this.time.clear();
  }

  override finish(): void {
    network.uninstall();
    this.time.uninstall();
    if (this.listening) server.close();
    this.listening = false;
    super.finish();
    // Nothing is left to happen in the run, so a request still unanswered never will be.
    const stuck = [...this.unanswered.values()][0];
    if (stuck !== undefined)
      throw new ContractError(
        `the HTTP service never answered ${stuck}: its handler awaits something that never settles (nothing in the run was left to resolve it)`,
      );
  }

  /** A handler as the request it serves (`GET /payments/:orderId`), as its 500 answers are named. */
  protected override shownAs(handler: string): string {
    const route = handlerRoutes[handler];
    return route === undefined ? handler : `${route[0]} ${this.routeTemplate(route[1])}`;
  }

  /** The path of a route as configured, `:orderId` and all. */
  routeTemplate(name: keyof HttpRoutes): string {
    return this.options.routes?.[name] ?? (name === 'notify' ? this.wire.notifyPath : defaultRoutes[name]);
  }

  /** The merchant's WeChat Pay credentials, without the keys only the platform holds. */
  wechatKeys(): WechatCredentials {
    const { merchantPublicKey: _merchant, platformPrivateKey: _platform, ...merchant } = wechatCredentials();
    return merchant;
  }

  /** The merchant's Alipay credentials, without the keys only Alipay holds. */
  alipayKeys(): AlipayCredentials {
    const { appId, sellerId, appPrivateKey, alipayPublicKey } = alipayCredentials();
    return { appId, sellerId, appPrivateKey, alipayPublicKey };
  }

  /**
   * Watches one request into your service, from before its first await (while the message being
   * handed over, if any, is this request's): an answer of 500 is what a framework makes of an error
   * its handler threw, a failure of your code unless a fault struck anywhere in the world while it
   * ran or the request was hostile (see AsyncService.run).
   */
  watchRequest(
    handler: string,
    subject: string | undefined,
    genuine: boolean,
  ): (response: Response) => Promise<void> {
    const mark = this.world.trace.length;
    const hostile = !genuine || this.hostileDelivery();
    return async (response) => {
      if (response.status !== 500) return;
      this.world.handlerFailed(
        {
          owner: this.address,
          handler,
          ...(subject === undefined ? {} : { subject }),
          error: 'HTTP 500',
          message: (await response.clone().text()).slice(0, 200),
          faultMayExplain: hostile || this.world.faultedSince(mark),
        },
        null,
      );
    };
  }

  /** One HTTP exchange, in the story, about an order. */
  tell(exchange: string, orderId: string | undefined): void {
    this.world.note(this.address, exchange, orderId);
  }

  /** The app's clock follows the world's into every step. */
  protected override enter(): Promise<void> {
    const advance = () => this.time.advanceTo(this.world.nowMs);
    // Timers that fall due run as the live process: their outbound calls are its calls.
    return this.live === undefined ? advance() : incarnation.run(this.live, advance);
  }

  /** Settled: the port's drain, then until nothing moves for a few turns of the event loop. */
  protected override async settled(): Promise<void> {
    await super.settled();
    if (this.unhandled !== undefined)
      throw new ContractError(
        `the HTTP service called ${this.unhandled}, which nothing in the check answers: only the provider's API (${this.wire.host}) and the results URL it was given are there; a check makes no real network call`,
      );
    if (network.refused !== undefined)
      throw new ContractError(
        `the HTTP service opened a connection to ${network.refused} past msw (a client on its own sockets, such as undici's request or urllib): a check makes no real network call; send it with fetch or node:http, which the check answers`,
      );
    if (this.world.trace.length !== this.traceSeen) this.idleWakes = 0;
    this.traceSeen = this.world.trace.length;
    const started = performance.now();
    let quiet = 0;
    let seen = this.activity;
    while (quiet < 3) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.activity === seen) quiet++;
      else {
        quiet = 0;
        seen = this.activity;
      }
      if (performance.now() - started > watchdogMs)
        throw new ContractError(
          `the HTTP service kept running for ${watchdogMs / 1000} s of real time after one event; last request: ${this.lastRequest}`,
        );
    }
    const address = this.address;
    if (this.idleWakes >= idleWakesBeforeRest) return;
    this.time.schedule({
      now: () => this.world.nowMs,
      after: (ms, fire) => {
        const bridge = this.live;
        this.world.setTimer(address, ms, async () => {
          if (bridge === undefined || bridge !== this.live) return;
          this.idleWakes++;
          await this.begin();
          await incarnation.run(bridge, fire);
          await this.settled();
        });
      },
    });
  }

  /** Your facts name the PaymentIntent that paid; the checkers know the trade by paysim's number. */
  protected override factFromSql(fact: Fact): Fact {
    if (fact.kind !== 'payment' || fact.paidBy === undefined) return fact;
    return { ...fact, paidBy: this.wire.tradeOf(fact.paidBy) ?? fact.paidBy };
  }

  /** The order service's endpoint for results: forwarded by the design's channel. */
  private resultsHandler() {
    return http.post(resultsUrl, async ({ request }) => {
      const bridge = this.caller();
      if (bridge === undefined) return HttpResponse.error();
      const body = (await request.json()) as { orderId?: string; payment?: string; amount?: number };
      const outTradeNo = this.wire.tradeOf(body.payment ?? '');
      if (typeof body.orderId !== 'string' || outTradeNo === undefined || typeof body.amount !== 'number')
        return HttpResponse.json(
          { error: "expected JSON {orderId, payment (the provider's id of the payment), amount}" },
          { status: 400 },
        );
      this.activity++;
      const took = await bridge.ports.businessApp
        .publishResult(body.orderId, outTradeNo, body.amount)
        .catch((error: unknown) => {
          if (error instanceof ProcessCrashed) return undefined;
          throw error;
        });
      if (took === undefined) return HttpResponse.error();
      this.activity++;
      return took ? HttpResponse.json({ ok: true }) : HttpResponse.json({ ok: false }, { status: 503 });
    });
  }

  /** The live bridge, if the request came from the live process. */
  caller(): HttpBridge | undefined {
    const from = incarnation.getStore();
    return from !== undefined && from === this.live ? from : undefined;
  }
}

/** One process of the HTTP service: the port's handlers, each an HTTP request to the app. */
class HttpBridge implements PaymentCenterHandlers {
  private app: FetchHandler | undefined;
  /** What the provider's API asks: this process's gateway client, an answer cut short thrown. */
  readonly gateway: GatewayClient;

  constructor(
    readonly ports: PaymentCenterPorts,
    private readonly host: HttpPaymentCenter,
  ) {
    this.gateway = throwingOnMalformed(ports.gateway);
  }

  async recover(): Promise<void> {
    this.host.open();
    this.host.live = this;
    const host = this.host;
    // Another provider's keys are made only if the app reads them.
    const env: HttpAppEnv = {
      sql: this.ports.sql,
      provider: host.provider,
      stripe: stripeKeys,
      get wechat() {
        return host.wechatKeys();
      },
      get alipay() {
        return host.alipayKeys();
      },
      resultsUrl,
    };
    const started: unknown = await incarnation.run(this, () => this.host.options.start(env));
    // A fetch handler, or an app that has one (Hono's app, itty-router's router, …).
    const fetch = (started as { fetch?: unknown } | undefined)?.fetch;
    if (typeof started === 'function') this.app = started as FetchHandler;
    else if (typeof fetch === 'function') this.app = (request) => fetch.call(started, request);
    else
      throw new ContractError(
        `httpPaymentCenter: start(env) must return a fetch handler, (request) => Response such as app.fetch, or an app with a fetch method; got ${started === null ? 'null' : typeof started}`,
      );
  }

  async onCreatePayment({ orderId, amount }: { orderId: string; amount: number }): Promise<void> {
    const res = await this.call('POST', 'createPayment', orderId, { orderId, amount });
    if (!res.ok) return;
    const body = (await res.json()) as Record<string, unknown>;
    // What the buyer pays with: Stripe's client_secret, WeChat's code_url or prepay_id, Alipay's qr_code.
    const pay = [body.client_secret, body.code_url, body.prepay_id, body.qr_code].find(
      (v) => typeof v === 'string',
    ) as string | undefined;
    const outTradeNo = pay === undefined ? undefined : this.host.wire.tradeOf(pay);
    if (outTradeNo === undefined)
      throw new ContractError(
        `POST ${this.route('createPayment', orderId)} answered ${res.status} without what the buyer pays with (client_secret, code_url, prepay_id or qr_code of a payment it created), got ${JSON.stringify(body)}`,
      );
    this.ports.businessApp.paymentCreated(orderId, outTradeNo, pay);
  }

  async onClose({ orderId }: { orderId: string }): Promise<void> {
    const res = await this.call('POST', 'closePayment', orderId);
    if (res.ok) this.ports.businessApp.paymentClosed(orderId);
  }

  async onQuery({ orderId }: { orderId: string }): Promise<void> {
    const res = await this.call('GET', 'queryPayment', orderId);
    // "Not found" for a payment its own rows hold would read as no payment, and hide one.
    const held = res.status === 404 ? this.host.statedPayment(orderId) : undefined;
    if (held !== undefined)
      throw new ContractError(
        `GET ${this.route('queryPayment', orderId)} answered 404, but your service's rows state a payment for ${orderId} (${held}): answer the status of every payment it holds, and none only for an order it holds no payment for`,
      );
    if (!res.ok) return;
    const text = await res.text();
    const status = (parsedJson(text) as { status?: unknown } | undefined)?.status;
    if (!paymentStatusAnswers.includes(status as PaymentStatusAnswer))
      throw new ContractError(
        `GET ${this.route('queryPayment', orderId)} answered ${res.status} ${JSON.stringify(text.slice(0, 80))}: expected JSON with a status, one of ${paymentStatusAnswers.join(', ')} (paysim's words, none for an order it holds no payment for; map a provider's own, such as succeeded)`,
      );
    this.ports.businessApp.paymentStatus(orderId, status as string);
  }

  async onNotify(n: Notification): Promise<{ httpStatus: number; body: string }> {
    const genuine = this.ports.provider.verify(n) && n.merchant === this.ports.provider.merchantId;
    const { body, headers } = this.host.wire.callback(n, genuine);
    const res = await this.call('POST', 'notify', orderIdOf(n.outTradeNo), body, headers, genuine);
    return { httpStatus: res.status, body: await res.text() };
  }

  private route(name: keyof HttpRoutes, orderId?: string): string {
    const path = this.host.routeTemplate(name);
    const base = this.host.options.baseUrl ?? 'http://payment-center.test';
    return `${base}${orderId === undefined ? path : path.replace(':orderId', encodeURIComponent(orderId))}`;
  }

  /** One request into the app, in-process, as this process; told in the story with its answer. */
  private async call(
    method: string,
    name: keyof HttpRoutes,
    subject: string | undefined,
    body?: object | string,
    headers: Record<string, string> = { 'content-type': 'application/json' },
    genuine = true,
  ): Promise<Response> {
    const app = this.app;
    if (app === undefined) throw new ContractError('the HTTP service was asked before it started');
    const url = this.route(name, name === 'notify' ? undefined : subject);
    const host = this.host;
    const what = `${method} ${new URL(url).pathname}`;
    const id = ++host.activity;
    host.lastRequest = what;
    host.unanswered.set(id, what);
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const answered = host.watchRequest(`${method} ${this.host.routeTemplate(name)}`, subject, genuine);
    try {
      const response = await incarnation.run(this, async () => app(new Request(url, init)));
      host.tell(`${what} → ${response.status}`, subject);
      await answered(response);
      const type = response.headers.get('content-type') ?? '';
      // A framework's own "no such route" answer: the route is wrong, which no verdict should hide.
      if ((response.status === 404 || response.status === 405) && !type.includes('json'))
        throw new ContractError(
          `${what} answered ${response.status} ${JSON.stringify((await response.text()).slice(0, 60))}${type === '' ? '' : ` (${type})`}, which is no answer of the contract: is there such a route? paysim calls the path in routes.${name}${host.options.routes?.[name] === undefined ? ' (the default)' : ''}; a route that exists answers JSON, 2xx when it did what was asked`,
        );
      return response;
    } finally {
      host.unanswered.delete(id);
      host.activity++;
    }
  }
}

/** Puts an HTTP payment center of your own where the model would be (Stripe or WeChat Pay). */
export function httpPaymentCenter(options: HttpPaymentCenterOptions): PaymentCenterFactory {
  refuseUnknownAdapterOptions('httpPaymentCenter', options, ['start', 'sql', 'baseUrl', 'routes']);
  refuseUnknownOptions('httpPaymentCenter: routes', options.routes, [
    'createPayment',
    'closePayment',
    'queryPayment',
    'notify',
  ]);
  for (const name of ['closePayment', 'queryPayment'] as const) {
    const path = options.routes?.[name];
    if (path !== undefined && !path.includes(':orderId'))
      throw new ContractError(
        `httpPaymentCenter: routes.${name} is ${JSON.stringify(path)}; it needs :orderId where the order id goes, e.g. ${JSON.stringify(defaultRoutes[name])}`,
      );
  }
  const factory: PaymentCenterFactory = (world, design, profile) =>
    new HttpPaymentCenter(world, design, profile, options);
  return Object.assign(factory, { role: 'paymentCenter' as const });
}

/** The JSON in `text`, or undefined if it is none. */
function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
