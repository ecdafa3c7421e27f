// A service's database: tables of rows keyed by string. It survives a crash of its owner, unlike
// the owner's actors and timers. Unique indexes model a database constraint acting as the last
// guard behind a cache (e.g. one order per submission token).

import type { Row } from './trace.ts';

export class DurableStore {
  // Made on the first write: most services of a run never write here (a run makes seven stores).
  private tables: Map<string, Map<string, Row>> | undefined;
  private uniques: Map<string, string> | undefined;

  get(table: string, key: string): Row | undefined {
    return this.tables?.get(table)?.get(key);
  }

  rows(table: string): IterableIterator<[string, Row]> {
    return (this.tables?.get(table) ?? noRows).entries();
  }

  /** Writes a row; with `uniqueBy`, refuses (returns false) if another key holds that value. */
  put(table: string, key: string, row: Row, uniqueBy?: string): boolean {
    if (uniqueBy !== undefined) {
      const index = `${table}:${uniqueBy}`;
      this.uniques ??= new Map();
      const holder = this.uniques.get(index);
      if (holder !== undefined && holder !== key) return false;
      this.uniques.set(index, key);
    }
    this.tables ??= new Map();
    let rows = this.tables.get(table);
    if (rows === undefined) {
      rows = new Map();
      this.tables.set(table, rows);
    }
    rows.set(key, row);
    return true;
  }

  snapshot(): Record<string, Record<string, Row>> {
    const out: Record<string, Record<string, Row>> = {};
    if (this.tables === undefined) return out;
    for (const [table, rows] of this.tables) {
      // Object.fromEntries(rows), without its iterator protocol.
      const copy: Record<string, Row> = {};
      for (const [key, row] of rows) copy[key] = row;
      out[table] = copy;
    }
    return out;
  }
}

const noRows: ReadonlyMap<string, Row> = new Map();
