import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreParticipants } from '../../src/report/report-model.ts';

// The HTML report opened in headless Chromium, as a person would open it: Debian's chromium
// (`.ci/run` installs it), driven by playwright-core, which downloads no browser of its own.
const browserPath = [process.env.PAYSIM_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (path): path is string => path !== undefined && existsSync(path),
);
if (browserPath === undefined)
  console.warn('No Chromium found (apt-get install -y chromium): skipping the HTML report browser tests.');

const launchFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function writeReport(dir: string): string {
  const run = spawnSync(
    process.execPath,
    [
      'bin/paysim.js',
      'check',
      '--design',
      'seed',
      '--seed',
      '6',
      '--faults',
      'user.submit',
      '--report',
      'html',
      '--report-dir',
      dir,
    ],
    { encoding: 'utf8', env: { ...process.env, CI: 'true' } },
  );
  expect(run.status).toBe(1);
  const path = /^Report: (.+\.html)$/m.exec(run.stdout)?.[1];
  expect(path).toBeDefined();
  return resolve(path as string);
}

describe.skipIf(browserPath === undefined)('the HTML report in headless Chromium', () => {
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  let pageUrl: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paysim-html-'));
    pageUrl = pathToFileURL(writeReport(join(dir, 'reports'))).href;
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'paysim-chromium-')), {
      executablePath: browserPath,
      headless: true,
      args: launchFlags,
      viewport: { width: 1600, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(pageUrl, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await context?.close();
  });

  it('draws the story as an SVG with one lifeline per participant', async () => {
    const svg = page.locator('figure#sequence svg.sequence');
    await expect(svg.count()).resolves.toBe(1);
    const box = await svg.boundingBox();
    expect(box?.width).toBeGreaterThan(600);
    expect(box?.height).toBeGreaterThan(300);
    const lifelines = await page
      .locator('svg.sequence g.participant')
      .evaluateAll((groups) =>
        groups.map((g) => [g.getAttribute('data-participant'), g.querySelectorAll('line.lifeline').length]),
      );
    expect(lifelines).toEqual(coreParticipants.map((p) => [p.id, 1]));
    const labels = await page.locator('svg.sequence .head-label').allTextContents();
    expect(labels).toEqual(['user', 'app', 'Redis', 'MQ', 'payment center', 'gateway']);
  });

  it('marks the breaking step, visibly, with the invariant that broke', async () => {
    const breaking = page.locator('svg.sequence g.breaking');
    await expect(breaking.count()).resolves.toBeGreaterThan(0);
    await expect(breaking.last().textContent()).resolves.toContain('✗ no-duplicate-orders');
    const band = await page.locator('svg.sequence .breaking-band').first().boundingBox();
    expect(band?.height).toBeGreaterThan(0);
    const fill = await page
      .locator('svg.sequence .breaking-band')
      .first()
      .evaluate((el) => getComputedStyle(el).fill);
    expect(fill).toBe('rgb(254, 202, 202)');
    // The fault that starts the story is drawn as a fault.
    await expect(page.locator('svg.sequence g.note-fault').first().textContent()).resolves.toContain(
      '⚡ user.submit',
    );
  });

  it('shows the verdict table, the design, the final states and the replay line', async () => {
    await expect(page.locator('tr.violated').allTextContents()).resolves.toEqual([
      expect.stringContaining('no-duplicate-orders'),
    ]);
    await expect(page.locator('code.replay').textContent()).resolves.toBe(
      'npx paysim replay --design seed --workload o1:100@0 --picks "user.submit#0=1"',
    );
    await expect(page.locator('body').textContent()).resolves.toContain('o1.2');
  });

  it('makes no network request and logs no error (no CDN, nothing refused by its CSP)', () => {
    expect(requests).toEqual([pageUrl]);
    expect(consoleErrors).toEqual([]);
  });

  it('keeps a screenshot under reports/', async () => {
    mkdirSync('reports/screenshots', { recursive: true });
    const path = 'reports/screenshots/seed-no-duplicate-orders.png';
    await page.locator('figure#sequence').screenshot({ path });
    expect(existsSync(path)).toBe(true);
  });
});
