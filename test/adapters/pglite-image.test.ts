// PGlite boots from the image of a freshly made cluster, kept between processes: made on the first
// boot, loaded on the next, made again when it is broken. Each boot gives the same empty database.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { bootPglite } from '../../src/adapters/sql-engine.ts';

const image = join(mkdtempSync(join(tmpdir(), 'paysim-pglite-image-')), 'pglite.tar.gz');
const gzip = (path: string) => [...readFileSync(path).subarray(0, 2)];

async function tables(pg: PGlite): Promise<number> {
  const r = await pg.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'",
  );
  await pg.close();
  return r.rows[0]?.n ?? -1;
}

describe('the PGlite image', () => {
  it('is made on the first boot, loaded on the next, and made again when broken', async () => {
    expect(await tables(await bootPglite(PGlite, image))).toBe(0);
    expect(gzip(image)).toEqual([0x1f, 0x8b]);
    expect(await tables(await bootPglite(PGlite, image))).toBe(0);
    writeFileSync(image, 'not an image');
    expect(await tables(await bootPglite(PGlite, image))).toBe(0);
    expect(gzip(image)).toEqual([0x1f, 0x8b]);
  }, 60_000);
});
