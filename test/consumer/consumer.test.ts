// paysim as a team gets it: packed as npm would publish it, installed into a fresh ESM project of
// its own, imported from plain Node, from a TypeScript file checked by `tsc`, and from a vitest
// test, and its CLI run through `npx`. Needs the npm registry for paysim's own dependencies.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'paysim-consumer-'));
const project = join(work, 'shop');

function run(command: string, args: string[], cwd = project) {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  // `npm pack` runs `prepare`, which builds dist/: the tarball is what a registry would serve.
  execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: repo, stdio: 'pipe' });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz')) as string;
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'shop', type: 'module', dependencies: { paysim: `file:${join(work, tarball)}` } }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    stdio: 'pipe',
  });
  // vitest itself comes from this checkout: the consumer's test imports it as any project would.
  symlinkSync(join(repo, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'));
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('paysim installed into a separate project', () => {
  it('imports from plain Node: explore holds, assertHolds throws the story and its replay line', () => {
    writeFileSync(
      join(project, 'check.mjs'),
      `import { assertHolds, designs, explore, allFaults, InvariantBroken } from 'paysim';
const report = await explore({ design: designs.hardened, runs: 30, seed: 1, maxOrders: 2, faults: new Set(allFaults) });
console.log('hardened', report.runs, report.counterexample === undefined ? 'held' : 'broken');
try {
  await assertHolds({ design: 'seed', runs: 300, seed: 1 });
  console.log('seed held');
} catch (error) {
  console.log(error instanceof InvariantBroken, error.message);
}
`,
    );
    const r = run('node', ['check.mjs']);
    expect(r.err).toBe('');
    expect(r.out).toContain('hardened 30 held');
    expect(r.out).toMatch(/^true seed breaks [a-z-]+ \(generated run \d+/m);
    expect(r.out).toMatch(/Replay: npx paysim replay --design seed --workload \S+/);
  });

  it('checks an order service of its own on PostgreSQL: it holds, and a planted bug throws the story', () => {
    // Written from the port's documentation alone: its own table and words, facts by a query.
    writeFileSync(
      join(project, 'orders.mjs'),
      `import { asyncBusinessApp, assertHolds, closeSqlDatabases, InvariantBroken } from 'paysim';
class Orders {
  deliveries = 0;
  constructor(ports, shipsEveryDelivery) { this.ports = ports; this.shipsEveryDelivery = shipsEveryDelivery; }
  async onSubmit({ orderId, intentId, amount }) {
    await this.ports.sql.query('INSERT INTO orders (id, intent, amount, state) VALUES ($1, $2, $3, $4)', [orderId, intentId, amount, 'NEW']);
    this.ports.users.orderCreated(orderId, intentId);
  }
  async onPayRequested({ orderId }) {
    const { rows } = await this.ports.sql.query('SELECT amount FROM orders WHERE id = $1', [orderId]);
    this.ports.paymentCenter.createPayment(orderId, rows[0].amount);
  }
  async onPaymentCreated({ orderId, outTradeNo }) {
    const { rows } = await this.ports.sql.query('SELECT intent FROM orders WHERE id = $1', [orderId]);
    this.ports.users.payReady(orderId, rows[0].intent, outTradeNo);
  }
  async onPaymentClosed({ orderId }) {
    await this.ports.sql.query("UPDATE orders SET state = 'CLOSED' WHERE id = $1 AND state = 'NEW'", [orderId]);
  }
  async onPaymentStatus() {}
  async onPaymentResult({ orderId }) {
    await this.ports.sql.query("UPDATE orders SET state = 'PAID' WHERE id = $1", [orderId]);
    this.ports.warehouse.ship(orderId, this.shipsEveryDelivery ? 'delivery-' + ++this.deliveries : orderId);
  }
  async recover() {}
}
const sql = {
  schema: 'CREATE TABLE orders (id text PRIMARY KEY, intent text NOT NULL, amount integer NOT NULL, state text NOT NULL)',
  facts: \`SELECT 'order' AS kind, id AS "orderId", intent AS "intentId", amount,
                  CASE state WHEN 'NEW' THEN 'created' ELSE lower(state) END AS status FROM orders\`,
};
const check = (bug) => assertHolds({ design: 'hardened', runs: 100, maxOrders: 2, faults: ['mq.duplicated'],
  businessApp: asyncBusinessApp((ports) => new Orders(ports, bug), { sql }) });
const report = await check(false);
console.log('own service held', report.runs);
try {
  await check(true);
} catch (error) {
  console.log(error instanceof InvariantBroken, error.message);
}
await closeSqlDatabases();
`,
    );
    const r = run('node', ['orders.mjs']);
    expect(r.err).toBe('');
    expect(r.out).toContain('own service held 100');
    expect(r.out).toMatch(/^true hardened breaks exactly-once-fulfilment/m);
  });

  it('refuses, from the CLI, a config whose SQL facts query fails, exit 2 and no stack', () => {
    writeFileSync(
      join(project, 'bad.config.mjs'),
      `import { asyncBusinessApp } from 'paysim';
export default { businessApp: asyncBusinessApp(() => ({}), { sql: { schema: 'CREATE TABLE t (id text)', facts: 'SELECT nope FROM t' } }) };
`,
    );
    const r = run('npx', ['--no-install', 'paysim', 'check', '--app', 'bad.config.mjs', '--runs', '5']);
    expect(r.err).toContain('the SQL facts query of your order service failed: column "nope" does not exist');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(2);
  });

  it('type-checks against the published declarations', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        include: ['typed.ts'],
      }),
    );
    writeFileSync(
      join(project, 'typed.ts'),
      `import { assertHolds, designs, type Design, type ExploreReport, type PaymentCenterPorts } from 'paysim';
export async function ours(): Promise<ExploreReport> {
  const design: Design = { ...designs.hardened, provider: 'stripe' };
  return assertHolds({ design, runs: 10 });
}
export type Ports = PaymentCenterPorts;
import { httpPaymentCenter, type HttpAppEnv } from 'paysim/http';
export const http = httpPaymentCenter({ start: (env: HttpAppEnv) => async () => new Response(env.resultsUrl), sql: { schema: '' } });
// @ts-expect-error: runs is a number
assertHolds({ design: 'seed', runs: 'many' });
`,
    );
    const r = run(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', '.']);
    expect(r.out + r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('runs in a vitest test, failing with the story', () => {
    writeFileSync(
      join(project, 'payments.test.mjs'),
      `import { expect, test } from 'vitest';
import { assertHolds, designs } from 'paysim';
test('hardened holds', async () => { await assertHolds({ design: designs.hardened, runs: 20, maxOrders: 2 }); });
test('seed is caught', async () => {
  await expect(assertHolds({ design: designs.seed, runs: 300 })).rejects.toThrow(/Replay: npx paysim replay --design seed/);
});
`,
    );
    const r = run(join(repo, 'node_modules', '.bin', 'vitest'), [
      'run',
      '--root',
      project,
      'payments.test.mjs',
    ]);
    expect(r.out).toMatch(/Tests\s+\S*2 passed/);
    expect(r.code).toBe(0);
  });

  it('runs the CLI through npx', () => {
    const r = run('npx', ['--no-install', 'paysim', 'replay', '--design', 'seed', '--workload', 'o1:100@0']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('every invariant held');
  });
});
