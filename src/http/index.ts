// paysim/http: run an unmodified HTTP service in the world (msw answers its outbound calls, fake
// timers follow the world's clock). A separate entry point, so that importing `paysim` alone does
// not load msw and fake-timers.

export {
  type FetchHandler,
  type HttpAppEnv,
  type HttpPaymentCenterOptions,
  type HttpRoutes,
  httpPaymentCenter,
} from './http-payment-center.ts';
