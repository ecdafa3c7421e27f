// The PostgreSQL behind the SQL port: PGlite, in-process. Starting one costs seconds (it compiles
// and boots PostgreSQL), so each service address and schema gets one per process, made on first
// use; every run then starts from it by truncating every table and restarting every sequence
// (milliseconds). Statements reach it strictly one after another, in the order they were issued.

import type { PGlite } from '@electric-sql/pglite';
import type { Fact } from '../domain/facts.ts';
import { checkFacts } from './fact-contract.ts';
import { ContractError } from './service-ports.ts';
import type { SqlOptions, SqlResult } from './sql-port.ts';

interface Engine {
  readonly pg: PGlite;
  readonly reset: string;
  /** The last statement issued: the next one runs after it, whatever became of it. */
  tail: Promise<unknown>;
  /** A transaction is open on the connection. */
  open: boolean;
  /** Facts queries that ran once on the empty schema: a broken one is refused before any run. */
  readonly checkedFacts: Set<string>;
}

// Shared by every copy of paysim in the process (the CLI's and a config's), so one close reaches all.
const registry = globalThis as Record<symbol, unknown>;
const registryKey = Symbol.for('paysim.pglite.engines');
registry[registryKey] ??= new Map<string, Promise<Engine>>();
const engines = registry[registryKey] as Map<string, Promise<Engine>>;

async function boot(address: string, schema: string): Promise<Engine> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create();
  await pg.exec('SET client_min_messages = error; SET track_counts = off');
  try {
    await pg.exec(schema);
  } catch (error) {
    throw new ContractError(`the SQL schema of ${address} failed: ${(error as Error).message}`);
  }
  const tables = await pg.query<{ name: string }>(
    "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
  );
  const sequences = await pg.query<{ name: string }>(
    "SELECT quote_ident(sequencename) AS name FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1",
  );
  const reset = [
    ...(tables.rows.length === 0 ? [] : [`TRUNCATE ${tables.rows.map((t) => t.name).join(', ')} CASCADE`]),
    ...sequences.rows.map((s) => `ALTER SEQUENCE ${s.name} RESTART`),
  ].join('; ');
  return { pg, reset, tail: Promise.resolve(), open: false, checkedFacts: new Set() };
}

/**
 * Shuts down every PostgreSQL this process started. Call it when a script is done with SQL-backed
 * checks: PostgreSQL keeps a 10-second timer after its last statement, which holds the process open.
 */
export async function closeSqlDatabases(): Promise<void> {
  const all = [...engines.values()];
  engines.clear();
  for (const engine of all) {
    const { pg, tail } = await engine.catch(() => ({ pg: undefined, tail: undefined }));
    await tail;
    await pg?.close();
  }
}

/** One run's database: fresh at the start, and what its facts query has said so far. */
export class PgliteDatabase {
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
  ): Promise<PgliteDatabase> {
    const id = `${address}\u0000${options.schema}`;
    let engine = engines.get(id);
    if (engine === undefined) {
      engine = boot(address, options.schema);
      engines.set(id, engine);
      engine.catch(() => engines.delete(id));
    }
    const db = new PgliteDatabase(await engine, address, options.facts, translate, kind);
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
      if (params === undefined && text.includes(';')) {
        const all = await engine.pg.exec(text);
        const last = all.at(-1);
        return { rows: (last?.rows ?? []) as R[], rowCount: 0, command: 'MULTIPLE' };
      }
      const r = await engine.pg.query<R>(text, params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.affectedRows || r.rows.length, command: r.command };
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
      throw new ContractError(`the SQL facts query of ${this.address} failed: ${(error as Error).message}`);
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
    checkFacts(news, `the SQL facts query of ${this.address}`, this.kind);
    return news.map(this.translate);
  }
}
