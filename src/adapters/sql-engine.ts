// The PostgreSQL behind the SQL port, one per service address and schema per process, made on first
// use: PGlite in-process by default (it boots in seconds), or a database of its own on a real
// server when the options name one (`server`). Each run starts from it by truncating every table
// and restarting every sequence (milliseconds). Statements reach it strictly one after another.

import { serviceName } from '../domain/service-name.ts';
import { ContractError } from './service-ports.ts';
import type { SqlOptions } from './sql-port.ts';

/** One statement's outcome, the same from either engine. */
export interface EngineResult {
  readonly rows: Record<string, unknown>[];
  /** Rows changed by INSERT, UPDATE or DELETE, else rows returned. */
  readonly rowCount: number;
  readonly command: string;
}

/** A connection: statements with parameters, several without, and how it ends. */
interface Connection {
  query(text: string, params?: readonly unknown[]): Promise<EngineResult>;
  close(): Promise<void>;
}

export interface Engine {
  readonly connection: Connection;
  /** TRUNCATE … ; ALTER SEQUENCE … RESTART: a fresh run's database. */
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
const registryKey = Symbol.for('paysim.sql.engines');
registry[registryKey] ??= new Map<string, Promise<Engine>>();
const engines = registry[registryKey] as Map<string, Promise<Engine>>;

/** The process's engine for this service and schema (and server), booted on first use. */
export function engineFor(address: string, options: SqlOptions): Promise<Engine> {
  const id = `${address}\u0000${options.server ?? ''}\u0000${options.schema}`;
  let engine = engines.get(id);
  if (engine === undefined) {
    engine = boot(address, options);
    engines.set(id, engine);
    engine.catch(() => engines.delete(id));
  }
  return engine;
}

/**
 * Shuts down every PostgreSQL this process started (and drops the databases it made on a server).
 * Call it when a script is done with SQL-backed checks: PGlite keeps a 10-second timer after its
 * last statement, which holds the process open.
 */
export async function closeSqlDatabases(): Promise<void> {
  const all = [...engines.values()];
  engines.clear();
  for (const engine of all) {
    const booted = await engine.catch(() => undefined);
    await booted?.tail;
    await booted?.connection.close();
  }
}

async function boot(address: string, options: SqlOptions): Promise<Engine> {
  const connection = options.server === undefined ? await pglite() : await server(options.server, address);
  await connection.query('SET client_min_messages = error');
  try {
    await connection.query(options.schema);
  } catch (error) {
    await connection.close();
    throw new ContractError(`the SQL schema of ${serviceName(address)} failed: ${(error as Error).message}`);
  }
  const tables = await connection.query(
    "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
  );
  const sequences = await connection.query(
    "SELECT quote_ident(sequencename) AS name FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1",
  );
  const reset = [
    ...(tables.rows.length === 0 ? [] : [`TRUNCATE ${tables.rows.map((t) => t.name).join(', ')} CASCADE`]),
    ...sequences.rows.map((s) => `ALTER SEQUENCE ${s.name} RESTART`),
  ].join('; ');
  return { connection, reset, tail: Promise.resolve(), open: false, checkedFacts: new Set() };
}

async function pglite(): Promise<Connection> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create();
  return {
    async query(text, params) {
      if (params === undefined && text.includes(';')) {
        const last = (await pg.exec(text)).at(-1);
        return { rows: (last?.rows ?? []) as Record<string, unknown>[], rowCount: 0, command: 'MULTIPLE' };
      }
      const r = await pg.query<Record<string, unknown>>(text, params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.affectedRows || r.rows.length, command: r.command ?? '' };
    },
    close: () => pg.close(),
  };
}

interface PgClient {
  connect(): Promise<void>;
  query(
    text: string,
    params?: readonly unknown[],
  ): Promise<
    | { rows: Record<string, unknown>[]; rowCount: number | null; command: string }
    | Array<{ rows: Record<string, unknown>[] }>
  >;
  end(): Promise<void>;
}

let serverDatabases = 0;

/** A database of its own on a real server, for this process and service; dropped at close. */
async function server(url: string, address: string): Promise<Connection> {
  // node-postgres, loaded only when a server is named (the module name keeps it optional).
  const module = 'pg';
  const { default: pg } = (await import(module)) as {
    default: { Client: new (options: object) => PgClient };
  };
  const name = `paysim_${process.pid}_${address}_${++serverDatabases}`;
  const admin = new pg.Client({ connectionString: url });
  try {
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    throw new ContractError(`the SQL server ${url} of ${serviceName(address)}: ${(error as Error).message}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
  const own = new URL(url);
  own.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: own.toString() });
  await client.connect();
  return {
    async query(text, params) {
      const r = await client.query(text, params);
      const last = Array.isArray(r) ? (r.at(-1) as { rows: Record<string, unknown>[] }) : r;
      const one = Array.isArray(r) ? { rowCount: 0, command: 'MULTIPLE' } : r;
      return { rows: last?.rows ?? [], rowCount: one.rowCount ?? 0, command: one.command };
    },
    async close() {
      await client.end();
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name}`);
      await dropper.end();
    },
  };
}
