// Where the example order service keeps its orders: the same service code over two stores, as a
// team's repository layer would be. `memory` uses paysim's in-memory tables (fastest); `sql` uses
// PostgreSQL through `ports.sql` (in-process PGlite), with the SQL a team would write.

import type { OrderServicePorts } from '../src/adapters/business-app-port.ts';
import type { Database } from '../src/adapters/service-ports.ts';
import type { Sql, SqlOptions } from '../src/adapters/sql-port.ts';
import type { OrderFact } from '../src/domain/facts.ts';

export type OrderState = 'CREATED' | 'CLOSING' | 'PAID' | 'CLOSED' | 'STUCK';

export interface OrderRecord {
  order_no: string;
  intent_id: string;
  user_id: string;
  amount: number;
  state: OrderState;
  created_at: number;
  note?: string;
}

export type OrderStoreKind = 'memory' | 'sql';

export interface OrderStore {
  load(orderNo: string): Promise<OrderRecord | undefined>;
  /**
   * Creates the order. With `oncePerSubmission`, a row per (user, intent) guards it: false, creating
   * nothing, when that submission already has an order.
   */
  create(order: OrderRecord, oncePerSubmission: boolean): Promise<boolean>;
  /**
   * Sets the order's state and note (a note left out is cleared), WHERE state = `from` (in any state
   * when `from` is undefined): false if it matched no row.
   */
  update(orderNo: string, changes: Pick<OrderRecord, 'state' | 'note'>, from?: OrderState): Promise<boolean>;
  all(): Promise<OrderRecord[]>;
}

export function orderStore(kind: OrderStoreKind, io: OrderServicePorts): OrderStore {
  return kind === 'sql' ? sqlOrders(io.sql) : memoryOrders(io.db);
}

const words: Record<OrderState, OrderFact['status']> = {
  CREATED: 'created',
  CLOSING: 'closing',
  PAID: 'paid',
  CLOSED: 'closed',
  STUCK: 'exception',
};

/** The in-memory store's `orders` rows, in paysim's words: `asyncBusinessApp(…, { project })`. */
export function orderFacts(table: string, key: string, row: object): OrderFact | undefined {
  if (table !== 'orders') return undefined;
  const o = row as OrderRecord;
  return {
    kind: 'order',
    orderId: key,
    intentId: o.intent_id,
    amount: o.amount,
    status: words[o.state],
    ...(o.note === undefined ? {} : { reason: o.note }),
  };
}

function memoryOrders(db: Database): OrderStore {
  const load = (orderNo: string) => db.get<OrderRecord>('orders', orderNo);
  return {
    load,
    async create(order, oncePerSubmission) {
      const submission = `${order.user_id}:${order.intent_id}`;
      if (oncePerSubmission && !(await db.insert('submissions', submission, { order_no: order.order_no })))
        return false;
      await db.put('orders', order.order_no, order);
      return true;
    },
    async update(orderNo, changes, from) {
      const now = await load(orderNo);
      if (now === undefined) return false;
      const next = { ...now, state: changes.state, note: changes.note };
      if (from === undefined) {
        await db.put('orders', orderNo, next);
        return true;
      }
      return db.update('orders', orderNo, next, { state: from });
    },
    async all() {
      return (await db.rows<OrderRecord>('orders')).map(([, o]) => o);
    },
  };
}

/** The SQL store's tables and how they read as facts: `asyncBusinessApp(…, { sql: orderSql })`. */
export const orderSql: SqlOptions = {
  schema: `
    CREATE TABLE orders (
      order_no   text PRIMARY KEY,
      intent_id  text NOT NULL,
      user_id    text NOT NULL,
      amount     integer NOT NULL,
      state      text NOT NULL,
      created_at bigint NOT NULL,
      note       text
    );
    CREATE TABLE submissions (
      user_id   text NOT NULL,
      intent_id text NOT NULL,
      order_no  text NOT NULL,
      PRIMARY KEY (user_id, intent_id)
    );`,
  facts: `
    SELECT 'order' AS kind, order_no AS "orderId", intent_id AS "intentId", amount,
           CASE state WHEN 'CREATED' THEN 'created' WHEN 'CLOSING' THEN 'closing' WHEN 'PAID' THEN 'paid'
                      WHEN 'CLOSED' THEN 'closed' ELSE 'exception' END AS status,
           note AS reason
      FROM orders ORDER BY order_no`,
};

const columns = 'order_no, intent_id, user_id, amount, state, created_at, note';

function fromRow(row: Record<string, unknown>): OrderRecord {
  const o = { ...row, created_at: Number(row.created_at) } as OrderRecord & { note: string | null };
  if (o.note === null) delete (o as { note?: string | null }).note;
  return o;
}

function sqlOrders(sql: Sql): OrderStore {
  return {
    async load(orderNo) {
      const { rows } = await sql.query(`SELECT ${columns} FROM orders WHERE order_no = $1`, [orderNo]);
      return rows[0] === undefined ? undefined : fromRow(rows[0]);
    },
    create: (o, oncePerSubmission) =>
      sql.transaction(async (tx) => {
        if (oncePerSubmission) {
          const claimed = await tx.query(
            `INSERT INTO submissions (user_id, intent_id, order_no) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING`,
            [o.user_id, o.intent_id, o.order_no],
          );
          if (claimed.rowCount === 0) return false;
        }
        await tx.query(`INSERT INTO orders (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
          o.order_no,
          o.intent_id,
          o.user_id,
          o.amount,
          o.state,
          o.created_at,
          o.note ?? null,
        ]);
        return true;
      }),
    async update(orderNo, changes, from) {
      const { rowCount } = await sql.query(
        `UPDATE orders SET state = $2, note = $3 WHERE order_no = $1 AND ($4::text IS NULL OR state = $4)`,
        [orderNo, changes.state, changes.note ?? null, from ?? null],
      );
      return rowCount === 1;
    },
    async all() {
      const { rows } = await sql.query(`SELECT ${columns} FROM orders ORDER BY order_no`);
      return rows.map(fromRow);
    },
  };
}
