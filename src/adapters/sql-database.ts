// One run's SQL database: the process's engine for the service (sql-engine.ts), emptied at the
// start of the run, its statements in the order they were issued, and what its facts query has
// said so far, so that each commit tells the checkers only what changed.

import type { Fact } from '../domain/facts.ts';
import { serviceName } from '../domain/service-name.ts';
import { checkFacts } from './fact-contract.ts';
import { ContractError } from './service-ports.ts';
import { type Engine, engineFor } from './sql-engine.ts';
import type { SqlOptions, SqlResult } from './sql-port.ts';

/** One run's database: fresh at the start, and what its facts query has said so far. */
export class SqlDatabase {
  /** The facts the query returned after the last commit, by order (and shipment key). */
  private readonly said = new Map<string, string>();

  private constructor(
    private readonly engine: Engine,
    private readonly address: string,
    private readonly factsQuery: string | undefined,
    private readonly translate: (fact: Fact) => Fact,
    private readonly kind: 'order' | 'payment' | undefined,
  ) {}

  /** The database for a new run: the process's engine for this schema, emptied. */
  static async fresh(
    address: string,
    options: SqlOptions,
    translate: (fact: Fact) => Fact = (fact) => fact,
    kind?: 'order' | 'payment',
  ): Promise<SqlDatabase> {
    const db = new SqlDatabase(await engineFor(address, options), address, options.facts, translate, kind);
    // A run that ended inside a transaction (a handler left waiting) leaves it open.
    db.rollback();
    if (db.engine.reset !== '') await db.run(db.engine.reset);
    if (options.facts !== undefined && !db.engine.checkedFacts.has(options.facts)) {
      await db.newFacts();
      db.engine.checkedFacts.add(options.facts);
    }
    return db;
  }

  /** Runs statements after every one issued before; several only without parameters. */
  run<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R> & { command?: string }> {
    const engine = this.engine;
    const result = engine.tail.then(async () => {
      const r = await engine.connection.query(text, params);
      return { rows: r.rows as R[], rowCount: r.rowCount, command: r.command };
    });
    engine.tail = result.catch(() => undefined);
    return result;
  }

  begin(): Promise<unknown> {
    this.engine.open = true;
    return this.run('BEGIN');
  }

  /** COMMIT; false if PostgreSQL rolled back instead (the transaction had failed). */
  async commit(): Promise<boolean> {
    this.engine.open = false;
    return (await this.run('COMMIT')).command === 'COMMIT';
  }

  /** ROLLBACK, issued now and not awaited: the connection is free for the next statement. */
  rollback(): void {
    if (!this.engine.open) return;
    this.engine.open = false;
    void this.run('ROLLBACK').catch(() => undefined);
  }

  /** What the facts query says now that it did not say after the last commit. */
  async newFacts(): Promise<Fact[] | undefined> {
    if (this.factsQuery === undefined) return undefined;
    let rows: Record<string, unknown>[];
    try {
      rows = (await this.run<Record<string, unknown>>(this.factsQuery)).rows;
    } catch (error) {
      throw new ContractError(
        `the SQL facts query of ${serviceName(this.address)} failed: ${(error as Error).message}`,
      );
    }
    const news: Fact[] = [];
    for (const row of rows) {
      const fact = Object.fromEntries(
        Object.entries(row)
          .filter(([, value]) => value !== null && value !== undefined)
          .map(([field, value]) => [field, typeof value === 'bigint' ? Number(value) : value]),
      ) as unknown as Fact;
      const id = `${fact.kind}\u0000${fact.orderId}\u0000${(fact as { key?: string }).key ?? ''}`;
      const told = JSON.stringify(fact);
      if (this.said.get(id) === told) continue;
      this.said.set(id, told);
      news.push(fact);
    }
    if (news.length === 0) return undefined;
    checkFacts(news, `the SQL facts query of ${serviceName(this.address)}`, this.kind);
    return news.map(this.translate);
  }
}
