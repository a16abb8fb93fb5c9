import { chromium } from 'playwright-core';
const args = ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args, timeout: 20000 });
const page = await browser.newPage({ viewport: { width: 760, height: 640 } });
await page.goto('file:///tmp/vp/run/figures/' + (process.argv[2] ?? 'accuracy-iou-vs-density.svg') + '');
for (const opts of [{}] as const) {
  const t = Date.now();
  try { await page.screenshot({ ...opts, path: '/tmp/vp/pw.png', timeout: 5000 }); console.log('ok', JSON.stringify(opts), Date.now() - t); }
  catch (e) { console.log('fail', JSON.stringify(opts), String(e).split('\n')[0]); }
}
await browser.close();
