// A service's database: tables of rows keyed by string. It survives a crash of its owner, unlike
// the owner's actors and timers. Unique indexes model a database constraint acting as the last
// guard behind a cache (e.g. one order per submission token).

import type { Row } from './trace.ts';

export class DurableStore {
  private readonly tables = new Map<string, Map<string, Row>>();
  private readonly uniques = new Map<string, string>();

  get(table: string, key: string): Row | undefined {
    return this.tables.get(table)?.get(key);
  }

  rows(table: string): IterableIterator<[string, Row]> {
    return (this.tables.get(table) ?? new Map<string, Row>()).entries();
  }

  /** Writes a row; with `uniqueBy`, refuses (returns false) if another key holds that value. */
  put(table: string, key: string, row: Row, uniqueBy?: string): boolean {
    if (uniqueBy !== undefined) {
      const index = `${table}:${uniqueBy}`;
      const holder = this.uniques.get(index);
      if (holder !== undefined && holder !== key) return false;
      this.uniques.set(index, key);
    }
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
    for (const [table, rows] of this.tables) {
      // Object.fromEntries(rows), without its iterator protocol.
      const copy: Record<string, Row> = {};
      for (const [key, row] of rows) copy[key] = row;
      out[table] = copy;
    }
    return out;
  }
}
