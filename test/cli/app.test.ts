// `--app`: a team's own services from a paysim.config file, checked and replayed from the command
// line, with the replay line naming the config so the story replays against the same code.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paysim } from './paysim.ts';

const config = 'examples/paysim.config.ts';

describe('check and replay --app', () => {
  it('checks the example order service, its orders in PostgreSQL, in place of the model: it holds', () => {
    const r = paysim(['check', '--app', config, '--runs', '200', '--seed', '3'], {
      ORDER_SERVICE_STORE: 'sql',
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain('--design hardened');
  });

  it('says that the model order service absorbs a payment forwarded twice, and how to hold your payment center to once', () => {
    const note =
      '  note: the model order service ships once however often your payment center forwards a payment (idempotentConsumer); add -idempotentConsumer to the design to hold your payment center to forwarding once';
    const args = ['check', '--app', 'examples/payment-center.config.ts', '--runs', '5', '--seed', '1'];
    expect(paysim(args).out).toContain(`\n${note}\n`);
    expect(paysim([...args, '--design', 'hardened,-idempotentConsumer']).out).not.toContain(
      'note: the model order',
    );
  });

  it('loads a TypeScript config from a CommonJS package (no "type": "module"), on one thread and on workers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paysim-cjs-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'orders', version: '1.0.0' }));
    const example = join(process.cwd(), 'examples', 'simple-order-service.ts');
    writeFileSync(
      join(dir, 'paysim.config.ts'),
      `import { orderService } from ${JSON.stringify(example)};\nexport default { businessApp: orderService({ plantedBug: 'get-then-set' }) };\n`,
    );
    for (const threads of [[], ['--workers', '2']]) {
      const r = paysim(
        ['check', '--app', './paysim.config.ts', '--runs', '300', '--seed', '1', ...threads],
        {},
        dir,
      );
      // Nothing but, on a one-core machine, the note that two workers take turns there.
      expect(r.err.replace(/^paysim: --workers 2 is more than .*\n/, '')).toBe('');
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/no-duplicate-orders/);
    }
  });

  it.each([
    ['order service', config, { ORDER_SERVICE_BUG: 'ships-every-delivery' }, [], /exactly-once-fulfilment/],
    ['order service', config, { ORDER_SERVICE_BUG: 'get-then-set' }, [], /no-duplicate-orders/],
    [
      'order service',
      config,
      { ORDER_SERVICE_BUG: 'release-key-on-timeout' },
      [],
      /closed-loop|no-duplicate-orders/,
    ],
    [
      'payment center',
      'examples/payment-center.config.ts',
      { PAYMENT_CENTER_BUG: 'non-idempotent-notify' },
      [
        '--design',
        'hardened,-idempotentConsumer,forwarding=direct',
        '--faults',
        'notify.duplicated,notify.ack.lost',
      ],
      /exactly-once-fulfilment/,
    ],
    [
      'payment center',
      'examples/payment-center.config.ts',
      { PAYMENT_CENTER_BUG: 'check-then-act' },
      [
        '--design',
        'hardened,-idempotentConsumer,forwarding=direct',
        '--faults',
        'notify.duplicated,pc.interleave',
      ],
      /exactly-once-fulfilment/,
    ],
    [
      'payment center',
      'examples/payment-center.config.ts',
      { PAYMENT_CENTER_BUG: 'memory-dedupe' },
      [
        '--design',
        'hardened,-idempotentConsumer,forwarding=direct,paymentCenter.replicas=2',
        '--faults',
        'notify.duplicated,notify.ack.lost,notify.delayed,pc.replica',
        '--orders',
        '2',
      ],
      /exactly-once-fulfilment/,
    ],
    [
      'HTTP payment center',
      'examples/http-payment-center.config.ts',
      { HTTP_PAYMENT_CENTER_BUG: 'unverified-webhook' },
      ['--orders', '2'],
      /sound-paid|inert-bad-input/,
    ],
  ] as const)(
    'catches a planted bug in the %s on PostgreSQL (%j), and its replay line with --app replays the same trace',
    (_, file, bug, extra, invariant) => {
      const env = { ...bug, ORDER_SERVICE_STORE: 'sql', PAYMENT_CENTER_STORE: 'sql' };
      const r = paysim(['check', '--app', file, '--runs', '300', '--seed', '1', '--json', ...extra], env);
      expect(r.code).toBe(1);
      const found = JSON.parse(r.out);
      expect(found.counterexample.violations[0].invariant).toMatch(invariant);
      // The config chose its bug from the environment: the result says which variables the replay needs.
      expect(found.appEnvironment).toContain(Object.keys(bug)[0]);
      const line: string = found.counterexample.replay;
      expect(line).toContain(` --app ${file}`);
      const args = line
        .replace(/^npx paysim /, '')
        .match(/"[^"]*"|\S+/g)
        ?.map((a) => a.replace(/^"|"$/g, '')) as string[];
      const again = paysim([...args, '--json'], env);
      expect(again.code).toBe(1);
      expect(JSON.parse(again.out).traceHash).toBe(found.counterexample.traceHash);
    },
  );

  it('names the environment variables the config read, under the replay line that needs them', () => {
    const r = paysim(
      [
        'check',
        '--app',
        'examples/payment-center.config.ts',
        '--design',
        'hardened,forwarding=direct,-idempotentConsumer',
        '--runs',
        '300',
        '--seed',
        '4',
      ],
      { PAYMENT_CENTER_BUG: 'check-then-act', PAYMENT_CENTER_STORE: undefined },
    );
    expect(r.code).toBe(1);
    // PAYMENT_CENTER_STORE is unset: a replay with it set would run other code, so it is named too.
    expect(r.out).toContain(
      '  it read PAYMENT_CENTER_BUG, PAYMENT_CENTER_STORE from the environment as it loaded\n',
    );
    expect(r.out).toMatch(
      /--app examples\/payment-center\.config\.ts\n {2}\(your --app config read PAYMENT_CENTER_BUG, PAYMENT_CENTER_STORE as it loaded: the replay runs the same code only with them as in this run, set or unset\)/,
    );
    // What packages read (tsx, Node) is theirs, not the config's.
    expect(r.out).not.toMatch(/NODE_V8_COVERAGE|TSX_TSCONFIG_PATH|WATCH_REPORT_DEPENDENCIES/);
  });

  it.each([
    [
      'export default 5;',
      /expected a default export of \{ design\?, paymentCenter\?, businessApp\?, expectedErrors\? \}, got number/,
    ],
    [
      'export default { businessApp: 1 };',
      /businessApp: expected what asyncBusinessApp\(…\) returns, got number/,
    ],
    ['export default { design: "hardened" };', /names neither a paymentCenter nor a businessApp/],
    [
      'export default { businessApp: (ports) => ({ ports }) };',
      /got a plain function; wrap your factory: asyncBusinessApp/,
    ],
    ['export default { app: 1, businessApp: () => 1 };', /unknown field app/],
    [
      'export default { paymentCentre: 1 };',
      /unknown field paymentCentre \(did you mean "paymentCenter"\?\); the fields are design, paymentCenter, businessApp/,
    ],
    [
      'export const config = { design: "hardened" };',
      /got undefined \(its named exports: config; export the config as default\)/,
    ],
    ['throw new Error("no database URL");', /the module failed to load: no database URL/],
    [
      `import config from ${JSON.stringify(join(process.cwd(), 'examples/paysim.config.ts'))}; export default { ...config, design: 'hardend' };`,
      /: its design: unknown design "hardend" \(did you mean "hardened"\?\)/,
    ],
  ])('refuses a bad config with a message naming it, exit 2: %s', (source, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'paysim-app-'));
    const file = join(dir, 'paysim.config.mjs');
    writeFileSync(file, source);
    const r = paysim(['check', '--app', file, '--runs', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toContain(file);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
  it('refuses a config whose service cannot be built (its factory throws), exit 2 and one plain line, --json too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paysim-app-'));
    const file = join(dir, 'paysim.config.mjs');
    const paysimIndex = JSON.stringify(join(process.cwd(), 'src/index.ts'));
    writeFileSync(
      file,
      `import { asyncPaymentCenter } from ${paysimIndex};\nexport default { paymentCenter: asyncPaymentCenter(() => { throw new Error('DATABASE_URL is not set'); }) };\n`,
    );
    const r = paysim(['check', '--app', file, '--runs', '3', '--seed', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'paysim: your payment center: the function that builds its handlers (given to asyncPaymentCenter) threw Error: DATABASE_URL is not set\n',
    );
    const json = paysim(['check', '--app', file, '--runs', '3', '--seed', '1', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out).error.message).toMatch(/threw Error: DATABASE_URL is not set$/);
  });
});
