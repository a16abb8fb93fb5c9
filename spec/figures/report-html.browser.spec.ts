import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT, HOSTILE_CLAIM, fabricateRun, type FabricatedRun } from './fabricated-run.ts';

// report.html of a fabricated 26-level, 3-seed subset run, rendered by a real browser: Debian's
// chromium driven by playwright-core. Skipped (with the reason in its name) when
// /usr/bin/chromium is absent; CI installs it, so there it runs. PRUNECAM_CHROMIUM overrides the
// browser path (e.g. another distribution's chromium binary).

const CHROMIUM = process.env.PRUNECAM_CHROMIUM ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOT = '/tmp/report-html.png';
// playwright's launch() always starts from a fresh temporary profile (user-data-dir) of its own.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!HAS_CHROMIUM)(`report.html in Chromium${HAS_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} is not installed)`}`, () => {
  let run: FabricatedRun;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    run = await fabricateRun({ subset: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 20_000 });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    page.on('requestfailed', (r) => failedRequests.push(`${r.url()}: ${r.failure()?.errorText}`));
    page.on('request', (r) => !/^(file|data):/.test(r.url()) && foreignRequests.push(r.url()));
    await page.goto(pathToFileURL(join(run.runDir, 'report.html')).href, { waitUntil: 'load', timeout: 15_000 });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    if (run) rmSync(run.runDir, { recursive: true, force: true });
  });

  it('renders both figures as SVGs with a non-zero size and one point per level', async () => {
    for (const id of ['figure-by-level', 'figure-vs-density']) {
      const svg = page.locator(`#${id} svg`);
      await expect(svg.count()).resolves.toBe(1);
      const box = await svg.boundingBox();
      expect(box, id).not.toBeNull();
      expect(box!.width).toBeGreaterThan(300);
      expect(box!.height).toBeGreaterThan(200);
      await expect(page.locator(`#${id} g.clean_accuracy_points_marks path`).count()).resolves.toBe(26);
      await expect(page.locator(`#${id} g.iou_points_marks path`).count()).resolves.toBe(26);
    }
  });

  it('shows one levels-table row per level', async () => {
    await expect(page.locator('table#levels tbody tr').count()).resolves.toBe(26);
    await expect(page.locator('table#levels tbody tr').first().locator('td').nth(1).textContent()).resolves.toBe('2324');
    await expect(page.locator('table#levels tbody tr').last().locator('td').nth(2).textContent()).resolves.toBe('0.0861%');
  });

  it('shows the claims with verdicts, the hostile claim as plain text', async () => {
    const rows = page.locator('#claims tbody tr');
    await expect(rows.count()).resolves.toBe(AUDIT.length);
    await expect(rows.nth(0).locator('td.verdict').textContent()).resolves.toBe('reproduced');
    await expect(rows.nth(AUDIT.findIndex((r) => r.claim === HOSTILE_CLAIM)).locator('td').first().textContent()).resolves.toBe(HOSTILE_CLAIM);
    await expect(page.evaluate(() => document.scripts.length)).resolves.toBe(0);
  });

  /** Decoded sizes of the images matched by `selector`, each scrolled to first (they load lazily). */
  async function decodedSizes(selector: string): Promise<number[][]> {
    const imgs = page.locator(selector);
    for (let i = 0; i < (await imgs.count()); i++) {
      await imgs.nth(i).scrollIntoViewIfNeeded();
      await page.waitForFunction((el) => (el as HTMLImageElement).complete, await imgs.nth(i).elementHandle(), { timeout: 5_000 });
    }
    return imgs.evaluateAll((els) => els.map((el) => [(el as HTMLImageElement).naturalWidth, (el as HTMLImageElement).naturalHeight]));
  }

  it('shows the correlations, the verification status, the subset banner and the linked example images, decoded', async () => {
    await expect(page.locator('#correlations').textContent()).resolves.toMatch(/Pearson r \(descriptive\)\s*r = 0\.\d{3}, p = 1\.00e-12, df = 24/);
    await expect(page.locator('#verification').getAttribute('class')).resolves.toBe('ok');
    expect(await page.locator('#subset-warning').isVisible()).toBe(true);
    await expect(page.locator('#examples img').count()).resolves.toBe(run.extras.examples.length);
    expect(await decodedSizes('#examples img')).toEqual(run.extras.examples.map(() => [476, 236])); // 2 rows: 4*112 + 7*4 by 4 + 2*116
  });

  it('renders the Part 2 sections: the method x metric table and the figures with one line per series', async () => {
    await expect(page.locator('#method-metric-table tbody tr.explainer').count()).resolves.toBe(7 * 8);
    await expect(page.locator('#figure-iou-every-method g.source_iou_lines_marks').count()).resolves.toBe(10);
    const box = await page.locator('#figure-metrics svg').boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    await expect(page.locator('#method-examples a').count()).resolves.toBe(run.extras.methodExamples!.length);
    const sizes = await decodedSizes('#method-examples img');
    expect(sizes).toHaveLength(run.extras.methodExamples!.length);
    for (const [w, h] of sizes) expect(w > 0 && h > 0).toBe(true);
  });

  it('logs no console errors and makes no failed or network requests; screenshot for review', async () => {
    await page.screenshot({ path: SCREENSHOT, fullPage: true, timeout: 10_000 });
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
