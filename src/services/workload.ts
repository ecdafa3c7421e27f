// A workload: the purchase intents of one run. Several intents run concurrently so that orders
// share services, queues and crashes, and can interfere.

export interface Intent {
  readonly intentId: string;
  readonly userId: string;
  /** In the smallest currency unit (fen, cents). */
  readonly amount: number;
  /** When the user starts, in virtual ms from the start of the run. */
  readonly atMs: number;
}

export interface Workload {
  readonly intents: readonly Intent[];
}
