// paysim's library entry point: what a test suite or script imports. The CLI is built on the same
// functions.

export { type AsyncBusinessAppOptions, asyncBusinessApp } from './adapters/async-business-app.ts';
export {
  type AsyncPaymentCenterOptions,
  asyncPaymentCenter,
  DatabaseTimeout,
  ProcessCrashed,
} from './adapters/async-payment-center.ts';
export type {
  OrderServiceHandlers,
  OrderServicePorts,
  PaymentCenterClient,
  RedisClient,
  UsersClient,
  Warehouse,
} from './adapters/business-app-port.ts';
export type {
  BusinessAppClient,
  Database,
  GatewayClient,
  PaymentCenterHandlers,
  PaymentCenterPorts,
} from './adapters/payment-center-port.ts';
export type { ProcessPorts } from './adapters/service-ports.ts';
export { ContractError, RedisUnavailable } from './adapters/service-ports.ts';
export { closeSqlDatabases } from './adapters/sql-engine.ts';
export type { Sql, SqlClient, SqlOptions, SqlResult } from './adapters/sql-port.ts';
export {
  type AssertHoldsOptions,
  assertHolds,
  HandlerErrors,
  type HeldReport,
  InvariantBroken,
} from './check/assert-holds.ts';
export type { ErrorKind } from './check/error-tally.ts';
export type { Counterexample, ExploreOptions, ExploreReport } from './check/explore.ts';
export { explore, replay } from './check/explore.ts';
export type { BusinessAppFactory, PaymentCenterFactory, RunResult } from './check/simulate.ts';
export type { Story } from './check/story.ts';
export { formatReplayCommand, parseStoryPicks as parsePicks, parseWorkload } from './check/story.ts';
export type { PaysimConfig } from './cli/app-config.ts';
export type { Deployment, Design, Mitigations, Timing, WriteGuard } from './designs/design.ts';
export { loadDesignFile, parseDesign, resolveDesign } from './designs/load-design.ts';
export { presets as designs } from './designs/presets.ts';
export type { Fact, OrderFact, PaymentFact, Projection, ShipmentFact } from './domain/facts.ts';
export type { CloseResult, Notification } from './domain/messages.ts';
export type { OrderStatus, PaymentRow, PaymentStatus } from './domain/rows.ts';
export type { RefundState, TradeState } from './fakes/providers/provider-profile.ts';
export { allFaults, faultCatalogue } from './faults/catalogue.ts';
export type { InvariantName, Violation } from './invariants/index.ts';
export { invariants } from './invariants/index.ts';
export { type Pick, traceHash } from './kernel/index.ts';
export { renderTimeline } from './report/timeline.ts';
export type { Intent, Workload } from './services/workload.ts';
