// The SQL port (sql-port.ts) in the simulated world, over one run's PGlite database: each
// statement a step the world schedules, one connection that a transaction holds until it ends,
// a crash point before every commit that changes rows, and `db.timeout` after it.

import { serviceName } from '../domain/service-name.ts';
import type { World } from '../kernel/index.ts';
import { ContractError, DatabaseTimeout, ProcessCrashed } from './service-ports.ts';
import type { SqlDatabase } from './sql-database.ts';
import type { Sql, SqlClient, SqlResult } from './sql-port.ts';

/** A transaction open on the connection, and the process incarnation that opened it. */
interface Transaction {
  readonly replica: number;
  /** Statements that changed rows, for the story. */
  readonly changes: string[];
}

/** Reads that cannot change a row run outside any transaction of their own. */
const readOnly = /^\s*(select|show|explain|values)\b/i;

/** A statement as the story tells it: one line, at most 80 characters. */
function shortened(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

export class SimulatedSql {
  /** The transaction holding the connection, if any; every other statement waits for it. */
  private holder: Transaction | undefined;
  private readonly waiting: Array<() => void> = [];
  /** What each waiting attempt would run, for the deadlock message. */
  private readonly waitingStatements: string[] = [];

  constructor(
    private readonly world: World,
    private readonly owner: string,
    private readonly db: SqlDatabase,
    /** Before a statement returns to the implementation, and once it has run after it. */
    private readonly host: {
      enter(): void | Promise<void>;
      /** Resolves once the implementation has nothing left to run but calls waiting on the world. */
      settled(): Promise<void>;
      /** A mistake in the harness: the check stops with it, whatever the implementation does. */
      fail(error: unknown): void;
    },
  ) {}

  /** The port one process incarnation gets; `alive` throws `ProcessCrashed` once it is dead. */
  port(replica: number, alive: () => void): Sql {
    const query = <R>(text: string, params?: readonly unknown[]) =>
      this.step(undefined, alive, text, () => this.autocommit<R>(text, params));
    return {
      query,
      transaction: async <T>(work: (tx: SqlClient) => Promise<T>): Promise<T> => {
        const tx: Transaction = { replica, changes: [] };
        await this.step(undefined, alive, 'BEGIN', () => {
          this.holder = tx;
          return this.db.begin();
        });
        const client: SqlClient = {
          query: <R>(text: string, params?: readonly unknown[]) =>
            this.step(tx, alive, text, async () => {
              const result = await this.db.run<R>(text, params);
              if (result.rowCount > 0 && !readOnly.test(text)) tx.changes.push(shortened(text));
              return result;
            }),
        };
        let value: T;
        try {
          value = await work(client);
        } catch (error) {
          this.abort(tx);
          throw error;
        }
        await this.step(tx, alive, 'COMMIT', () => this.commit(tx));
        return value;
      },
    };
  }

  /** At the end of the run: statements still waiting on an open transaction never ran. */
  finish(): void {
    if (this.holder === undefined || this.waiting.length === 0) return;
    throw new ContractError(
      `a deadlock in ${serviceName(this.owner)}: a transaction was still open when the run ended, and ${this.waiting.length} statement(s) waited for the connection it holds, first ${this.waitingStatements[0] ?? '?'}: inside transaction(…), use tx.query, not ports.sql.query (one connection: a statement outside the transaction waits for it to end)`,
    );
  }

  /** The process of `replica` died: its connection closes, so PostgreSQL rolls back its transaction. */
  crashed(replica: number): void {
    if (this.holder?.replica === replica) this.abort(this.holder);
  }

  /**
   * One statement as one await: it runs when the world schedules it, and waits (for another step)
   * while a transaction other than `tx` holds the connection.
   */
  private step<T>(
    tx: Transaction | undefined,
    alive: () => void,
    statement: string,
    run: () => Promise<T>,
  ): Promise<T> {
    alive();
    return new Promise<T>((resolve, reject) => {
      const attempt = () => {
        this.world.await(
          this.owner,
          async () => {
            await this.host.enter();
            try {
              alive();
              if (this.holder !== undefined && this.holder !== tx) {
                this.waiting.push(attempt);
                this.waitingStatements.push(shortened(statement));
                return;
              }
              resolve(await run());
            } catch (error) {
              reject(error);
            }
            await this.host.settled();
          },
          undefined,
          `statement ${shortened(statement)}`,
        );
      };
      attempt();
    });
  }

  private async autocommit<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
    if (readOnly.test(text)) return this.db.run<R>(text, params);
    const tx: Transaction = { replica: -1, changes: [] };
    this.holder = tx;
    await this.db.begin();
    let result: SqlResult<R>;
    try {
      result = await this.db.run<R>(text, params);
    } catch (error) {
      this.abort(tx);
      throw error;
    }
    if (result.rowCount > 0) tx.changes.push(shortened(text));
    await this.commit(tx);
    return result;
  }

  /** The commit of `tx`: the process may die just before it; its client may then see a timeout. */
  private async commit(tx: Transaction): Promise<void> {
    if (tx.changes.length === 0) {
      await this.db.commit();
      this.release(tx);
      return;
    }
    if (!this.world.beforeCommit(this.owner)) {
      this.abort(tx);
      throw new ProcessCrashed();
    }
    const took = await this.db.commit();
    let facts: Awaited<ReturnType<SqlDatabase['newFacts']>>;
    try {
      facts = took ? await this.db.newFacts() : undefined;
    } catch (error) {
      // A broken facts query is the harness's mistake: it stops the check even if the code catches it.
      this.host.fail(error);
      throw error;
    } finally {
      this.release(tx);
    }
    if (!took) return;
    if (this.world.committed(this.owner, tx.changes, facts) === 'unknown')
      throw new DatabaseTimeout(`the commit of ${tx.changes.join('; ')} timed out`);
  }

  private abort(tx: Transaction): void {
    if (this.holder !== tx) return;
    this.db.rollback();
    this.release(tx);
  }

  private release(tx: Transaction): void {
    if (this.holder !== tx) return;
    this.holder = undefined;
    this.waitingStatements.length = 0;
    for (const attempt of this.waiting.splice(0)) attempt();
  }
}
