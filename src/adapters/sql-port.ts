// The SQL database a service behind a port may use instead of (or beside) the key-value `db`: a
// real PostgreSQL running in-process (PGlite), so the service's own SQL runs as written, with its
// transactions, `UPDATE … WHERE`, `INSERT … ON CONFLICT` and unique constraints. The shapes follow
// node-postgres (`pg`): `query(text, params)` resolves to `{ rows, rowCount }` and a failed
// statement rejects with PostgreSQL's error, whose `code` says why (`23505`: unique violation).
//
// How it behaves in the simulated world:
// - Every statement is an await the world schedules: another handler may run between two of them
//   (read, await, write races), and a handler may stall at one.
// - A statement outside `transaction` commits on its own. A process may die just before any commit
//   that changes rows: what was committed stays, the rest is rolled back. A commit may also take
//   while its client sees a timeout (`db.timeout`): the call rejects with `DatabaseTimeout`.
// - The database has one connection: a transaction holds it until it commits or rolls back, and
//   every other statement waits meanwhile. Transactions are therefore serializable with respect to
//   each other, as `SELECT … FOR UPDATE` on every row they touch would make them; statements
//   outside a transaction still interleave one by one. Use `tx.query` inside a transaction: a
//   `sql.query` there waits for the connection that its own transaction holds and never runs.
// - The database is fresh at the start of every run (your schema, empty tables).
// - Keep it deterministic: no `now()`, `random()` or `gen_random_uuid()` in your SQL; pass
//   `ports.now()` and values derived from the order as parameters.

export interface SqlResult<R> {
  readonly rows: R[];
  /** Rows changed by INSERT, UPDATE or DELETE, else rows returned. */
  readonly rowCount: number;
}

export interface SqlClient {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

export interface Sql extends SqlClient {
  /**
   * BEGIN, then `work`, then COMMIT; ROLLBACK if `work` throws (the error is rethrown) or the
   * process dies before the commit.
   */
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
}

/** Gives a service behind a port its SQL database: `asyncBusinessApp(create, { sql: { … } })`. */
export interface SqlOptions {
  /** The DDL that creates your tables, run once per process; every run starts from it, empty. */
  readonly schema: string;
  /**
   * A query over your tables whose rows are facts in paysim's words, e.g.
   * `SELECT 'order' AS kind, id AS "orderId", intent_id AS "intentId", amount, status FROM orders`.
   * Columns are Fact fields (`kind`, `orderId`, `status`, …; NULL means absent). It runs after
   * every commit that changes rows; what it returns that it did not return before is what that
   * commit told the checkers. Omit it if you call `ports.report` instead.
   */
  readonly facts?: string;
  /**
   * A PostgreSQL server to run on instead of the in-process one, e.g.
   * `postgres://postgres@127.0.0.1:5432/postgres`: paysim makes a database of its own there per
   * process and service (`paysim_<pid>_<service>_<n>`), empties it per run, and drops it at
   * `closeSqlDatabases()`. Slower; for trying your SQL on the server you run in production.
   */
  readonly server?: string;
}
