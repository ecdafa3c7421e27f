// Where the example payment center keeps its payments: the same code over two stores. `memory` is
// paysim's in-memory tables, whose `payments` rows paysim reads as facts by default; `sql` is
// PostgreSQL through `ports.sql` (in-process PGlite), with the SQL a team would write.

import type { PaymentCenterPorts } from '../src/adapters/payment-center-port.ts';
import type { Database } from '../src/adapters/service-ports.ts';
import type { Sql, SqlOptions } from '../src/adapters/sql-port.ts';

export interface Payment {
  orderId: string;
  amount: number;
  status: 'paying' | 'paid' | 'closed' | 'exception';
  attempt: string;
  paidBy?: string;
  reason?: string;
  outbox?: 'pending' | 'done';
  refundsPending: string[];
  refundsDone: string[];
  attempts: string[];
}

export type PaymentStoreKind = 'memory' | 'sql';

/** The guard of a conditional update: the status read, or the refunds still pending as read. */
export type PaymentGuard = Pick<Payment, 'status'> | Pick<Payment, 'refundsPending'>;

export interface PaymentStore {
  load(orderId: string): Promise<Payment | undefined>;
  /** INSERT, or a plain UPDATE of every field if the payment exists. */
  save(p: Payment): Promise<void>;
  /** UPDATE … WHERE the guard still holds: false if another handler changed it first. */
  update(p: Payment, guard: PaymentGuard): Promise<boolean>;
  all(): Promise<Payment[]>;
}

export function paymentStore(kind: PaymentStoreKind, io: PaymentCenterPorts): PaymentStore {
  return kind === 'sql' ? sqlPayments(io.sql) : memoryPayments(io.db);
}

function memoryPayments(db: Database): PaymentStore {
  return {
    load: (orderId) => db.get<Payment>('payments', orderId),
    save: (p) => db.put('payments', p.orderId, p),
    update: (p, guard) => db.update('payments', p.orderId, p, guard),
    all: async () => (await db.rows<Payment>('payments')).map(([, p]) => p),
  };
}

/** The SQL store's table and how it reads as facts: `asyncPaymentCenter(…, { sql: paymentSql })`. */
export const paymentSql: SqlOptions = {
  schema: `
    CREATE TABLE payments (
      order_id        text PRIMARY KEY,
      amount          integer NOT NULL,
      status          text NOT NULL,
      attempt         text NOT NULL,
      paid_by         text,
      reason          text,
      outbox          text,
      attempts        jsonb NOT NULL,
      refunds_pending jsonb NOT NULL,
      refunds_done    jsonb NOT NULL
    );`,
  facts: `SELECT 'payment' AS kind, order_id AS "orderId", status, paid_by AS "paidBy", reason
            FROM payments ORDER BY order_id`,
};

const columns =
  'order_id, amount, status, attempt, paid_by, reason, outbox, attempts, refunds_pending, refunds_done';

function values(p: Payment): unknown[] {
  return [
    p.orderId,
    p.amount,
    p.status,
    p.attempt,
    p.paidBy ?? null,
    p.reason ?? null,
    p.outbox ?? null,
    JSON.stringify(p.attempts),
    JSON.stringify(p.refundsPending),
    JSON.stringify(p.refundsDone),
  ];
}

function fromRow(row: Record<string, unknown>): Payment {
  return {
    orderId: row.order_id as string,
    amount: row.amount as number,
    status: row.status as Payment['status'],
    attempt: row.attempt as string,
    ...(row.paid_by === null ? {} : { paidBy: row.paid_by as string }),
    ...(row.reason === null ? {} : { reason: row.reason as string }),
    ...(row.outbox === null ? {} : { outbox: row.outbox as Payment['outbox'] }),
    attempts: row.attempts as string[],
    refundsPending: row.refunds_pending as string[],
    refundsDone: row.refunds_done as string[],
  };
}

function sqlPayments(sql: Sql): PaymentStore {
  const set = `amount = $2, status = $3, attempt = $4, paid_by = $5, reason = $6, outbox = $7,
    attempts = $8, refunds_pending = $9, refunds_done = $10`;
  return {
    async load(orderId) {
      const { rows } = await sql.query(`SELECT ${columns} FROM payments WHERE order_id = $1`, [orderId]);
      return rows[0] === undefined ? undefined : fromRow(rows[0]);
    },
    async save(p) {
      await sql.query(
        `INSERT INTO payments (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (order_id) DO UPDATE SET
           amount = EXCLUDED.amount, status = EXCLUDED.status, attempt = EXCLUDED.attempt,
           paid_by = EXCLUDED.paid_by, reason = EXCLUDED.reason, outbox = EXCLUDED.outbox,
           attempts = EXCLUDED.attempts, refunds_pending = EXCLUDED.refunds_pending,
           refunds_done = EXCLUDED.refunds_done`,
        values(p),
      );
    },
    async update(p, guard) {
      const { rowCount } =
        'status' in guard
          ? await sql.query(`UPDATE payments SET ${set} WHERE order_id = $1 AND status = $11`, [
              ...values(p),
              guard.status,
            ])
          : await sql.query(
              `UPDATE payments SET ${set} WHERE order_id = $1 AND refunds_pending = $11::jsonb`,
              [...values(p), JSON.stringify(guard.refundsPending)],
            );
      return rowCount === 1;
    },
    async all() {
      const { rows } = await sql.query(`SELECT ${columns} FROM payments ORDER BY order_id`);
      return rows.map(fromRow);
    },
  };
}
