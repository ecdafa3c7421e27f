// The SQL port on PGlite: a crash keeps what was committed and drops what was not, a transaction
// holds the one connection until it ends, constraint errors reach the code as PostgreSQL's, a
// commit can take while its client sees a timeout, and every run starts from an empty schema.

import { afterAll, describe, expect, it } from 'vitest';
import { asyncBusinessApp } from '../../src/adapters/async-business-app.ts';
import type { OrderServiceHandlers, OrderServicePorts } from '../../src/adapters/business-app-port.ts';
import { closeSqlDatabases } from '../../src/adapters/sql-engine.ts';
import { replay } from '../../src/check/explore.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import type { Pick } from '../../src/kernel/choices.ts';

const hardened = presets.hardened as Design;
const one = { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] };

const sql = {
  schema: `
    CREATE TABLE orders (id text PRIMARY KEY, intent text NOT NULL, amount integer NOT NULL);
    CREATE TABLE journal (id serial PRIMARY KEY, entry text NOT NULL UNIQUE);`,
  facts: `SELECT 'order' AS kind, id AS "orderId", intent AS "intentId", amount, 'created' AS status FROM orders`,
};

/** What the service saw, for the test to read. */
interface Seen {
  /** The journal each (re)start found. */
  atStart: string[][];
  /** The journal a reader saw that asked while a transaction held the connection. */
  whileHeld: string[][];
  /** PostgreSQL error codes the service caught. */
  codes: string[];
}

/**
 * An order service that writes one row on its own, then two in a transaction that waits a second
 * in the middle (a reader asks meanwhile), then breaks a unique constraint, then answers the user.
 */
class JournalService implements OrderServiceHandlers {
  constructor(
    private readonly io: OrderServicePorts,
    private readonly seen: Seen,
  ) {}

  async onSubmit(req: { orderId: string; intentId: string; amount: number }): Promise<void> {
    const { sql } = this.io;
    await sql.query('INSERT INTO orders (id, intent, amount) VALUES ($1, $2, $3)', [
      req.orderId,
      req.intentId,
      req.amount,
    ]);
    await sql.transaction(async (tx) => {
      await tx.query('INSERT INTO journal (entry) VALUES ($1)', ['first']);
      this.io.background(async () => {
        this.seen.whileHeld.push(await this.journal());
      });
      await this.io.sleep(1_000);
      await tx.query('INSERT INTO journal (entry) VALUES ($1)', ['second']);
    });
    try {
      await sql.query('INSERT INTO journal (entry) VALUES ($1)', ['first']);
    } catch (error) {
      this.seen.codes.push((error as { code: string }).code);
    }
    this.io.users.orderRejected(req.orderId, req.intentId);
  }

  async recover(): Promise<void> {
    this.seen.atStart.push(await this.journal());
  }

  private async journal(): Promise<string[]> {
    const { rows } = await this.io.sql.query<{ entry: string }>('SELECT entry FROM journal ORDER BY id');
    return rows.map((r) => r.entry);
  }

  async onPayRequested(): Promise<void> {}
  async onPaymentCreated(): Promise<void> {}
  async onPaymentClosed(): Promise<void> {}
  async onPaymentStatus(): Promise<void> {}
  async onPaymentResult(): Promise<void> {}
}

async function run(picks: Pick[], faults: string[], server?: string) {
  const seen: Seen = { atStart: [], whileHeld: [], codes: [] };
  const service = asyncBusinessApp((io) => new JournalService(io, seen), { sql: { ...sql, server } });
  const result = await replay(
    hardened,
    { workload: one, picks },
    { faults: new Set(faults), businessApp: service },
  );
  return { seen, result };
}

describe('the SQL port on PGlite', () => {
  afterAll(() => closeSqlDatabases());

  it('runs the SQL as written: a reader waits for the open transaction, a unique violation is 23505', async () => {
    const { seen, result } = await run([], ['app.crash']);
    expect(seen.atStart).toEqual([[]]);
    expect(seen.whileHeld).toEqual([['first', 'second']]);
    expect(seen.codes).toEqual(['23505']);
    const commits = result.trace.filter((e) => e.kind === 'commit');
    expect(commits.map((e) => e.statements)).toEqual([
      ['INSERT INTO orders (id, intent, amount) VALUES ($1, $2, $3)'],
      ['INSERT INTO journal (entry) VALUES ($1)', 'INSERT INTO journal (entry) VALUES ($1)'],
    ]);
    expect(commits[0]?.fact).toEqual([
      { kind: 'order', orderId: 'o1.1', intentId: 'o1', amount: 100, status: 'created' },
    ]);
  });

  it.each([
    ['before the first commit', 0, []],
    ['before the transaction commits', 1, []],
    ['after the transaction committed', 2, ['first', 'second']],
  ])('keeps what was committed and drops the rest when the process dies %s', async (_when, nth, survived) => {
    const { seen } = await run([{ label: 'app.crash', nth, index: 1 }], ['app.crash']);
    // The first start saw an empty journal; the restart sees what the crash left.
    expect(seen.atStart).toEqual([[], survived]);
  });

  it.each([
    [0, []],
    [1, []],
    [2, ['first', 'second']],
  ])('keeps the same on a real PostgreSQL server (crash point %i)', async (nth, survived) => {
    const server = 'postgres://postgres@127.0.0.1:5432/postgres';
    const { seen } = await run([{ label: 'app.crash', nth, index: 1 }], ['app.crash'], server);
    expect(seen.atStart).toEqual([[], survived]);
    const clean = await run([], ['app.crash'], server);
    expect(clean.seen.whileHeld).toEqual([['first', 'second']]);
    expect(clean.seen.codes).toEqual(['23505']);
  });

  it('a crash inside a transaction frees the connection: the restarted process reads at once', async () => {
    const { seen, result } = await run([{ label: 'app.crash', nth: 1, index: 1 }], ['app.crash']);
    expect(seen.atStart).toHaveLength(2);
    const restart = result.trace.find((e) => e.kind === 'restart');
    expect(restart?.atMs).toBeLessThan(10_000);
  });

  it('a commit that took while its client saw a timeout fails the handler after the row is stored', async () => {
    const { result } = await run([{ label: 'db.timeout', nth: 0, index: 1 }], ['db.timeout']);
    const notes = result.trace.filter((e) => e.kind === 'note').map((e) => (e as { text: string }).text);
    expect(notes).toContain(
      'onSubmit for o1.1 failed: DatabaseTimeout: the commit of INSERT INTO orders (id, intent, amount) VALUES ($1, $2, $3) timed out',
    );
    expect(result.trace.filter((e) => e.kind === 'commit')).toHaveLength(1);
  });

  it('starts every run from the empty schema', async () => {
    await run([], ['app.crash']);
    const { seen } = await run([], ['app.crash']);
    expect(seen.atStart).toEqual([[]]);
  });

  it('tells a service given no SQL database how to give it one', async () => {
    const service = asyncBusinessApp(
      (io) => new JournalService(io, { atStart: [], whileHeld: [], codes: [] }),
    );
    await expect(
      replay(hardened, { workload: one, picks: [] }, { faults: new Set(), businessApp: service }),
    ).rejects.toThrow(
      'ports.sql was used, but asyncBusinessApp(create, { sql: { schema } }) gave this service no SQL database',
    );
  });

  it('tells a statement waiting on its own transaction for what it is: a deadlock in the harness, not a finding', async () => {
    const nested = asyncBusinessApp(
      (io) =>
        Object.assign(new JournalService(io, { atStart: [], whileHeld: [], codes: [] }), {
          onSubmit: () =>
            io.sql.transaction(async () => {
              await io.sql.query('SELECT count(*) FROM orders');
            }),
        }),
      { sql },
    );
    await expect(
      replay(hardened, { workload: one, picks: [] }, { faults: new Set(), businessApp: nested }),
    ).rejects.toThrow(
      /a deadlock in your order service: a transaction was still open when the run ended, and 1 statement\(s\) waited for the connection it holds, first SELECT count\(\*\) FROM orders: .*use tx\.query, not ports\.sql\.query/,
    );
  });

  it('refuses a factory left unwrapped, saying how to wrap it', async () => {
    const bare = ((io: OrderServicePorts) =>
      new JournalService(io, { atStart: [], whileHeld: [], codes: [] })) as never;
    await expect(
      replay(hardened, { workload: one, picks: [] }, { faults: new Set(), businessApp: bare }),
    ).rejects.toThrow(
      'businessApp: expected what asyncBusinessApp(…) returns, got a plain function; wrap your factory',
    );
  });

  it('names the schema that PostgreSQL refused', async () => {
    const service = asyncBusinessApp(
      (io) => new JournalService(io, { atStart: [], whileHeld: [], codes: [] }),
      {
        sql: { schema: 'CREATE TABLE orders (id text PRIMARY KEY, amount integr)' },
      },
    );
    await expect(
      replay(hardened, { workload: one, picks: [] }, { faults: new Set(), businessApp: service }),
    ).rejects.toThrow(/the SQL schema of your order service failed: type "integr" does not exist/);
  });
});
