// The payment center's reconciliation job: once, a while after the service starts, it downloads the
// provider's bill (every successful trade of the merchant) and reports each trade to the payment
// orders as a query answer would. They record it as paid, or refund it if their order is closed or
// already paid by another attempt. This is what catches a capture that no callback, query or close
// revealed (e.g. an Alipay trade created after a close that answered TRADE_NOT_EXIST).
//
// States: waiting → fetching (retry) → done. A crash restarts the wait.

import { enqueueActions, setup } from 'xstate';
import { type Effect, send } from '../kernel/machine-host.ts';

export interface ReconciliationInput {
  readonly afterMs: number;
  readonly requestTimeoutMs: number;
}

type BillEvent = {
  type: 'gateway.bill.result';
  trades: Array<{ outTradeNo: string; amount: number; status: string }>;
};

export const reconciliationMachine = setup({
  types: {} as {
    context: ReconciliationInput;
    events: BillEvent;
    input: ReconciliationInput;
    emitted: Effect;
  },
  delays: {
    reconcileAfter: ({ context }) => context.afterMs,
    requestTimeout: ({ context }) => context.requestTimeoutMs,
  },
  actions: {
    fetchBill: enqueueActions(({ enqueue }) => enqueue.emit(send('gateway', { type: 'gateway.bill' }))),
    reportTrades: enqueueActions(({ event, enqueue }) => {
      for (const trade of event.trades) {
        enqueue.emit(
          send('pc', {
            type: 'gateway.query.result',
            outTradeNo: trade.outTradeNo,
            ok: true,
            status: trade.status,
            source: 'bill',
          }),
        );
      }
    }),
  },
}).createMachine({
  id: 'reconciliation',
  context: ({ input }) => input,
  initial: 'waiting',
  states: {
    waiting: { after: { reconcileAfter: 'fetching' } },
    fetching: {
      entry: 'fetchBill',
      on: { 'gateway.bill.result': { target: 'done', actions: 'reportTrades' } },
      after: { requestTimeout: { target: 'fetching', reenter: true } },
    },
    done: { type: 'final' },
  },
});
