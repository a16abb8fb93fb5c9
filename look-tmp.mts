import { fabricateRun } from './spec/figures/fabricated-run.ts';
import { chromium } from 'playwright-core';
const run = await fabricateRun({ subset: true });
console.log(run.runDir);
const args = ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args, timeout: 20000 });
const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
page.on('console', (m) => console.log('console', m.type(), m.text()));
await page.goto('file://' + run.runDir + '/report.html');
const t = Date.now();
try { await page.screenshot({ path: '/tmp/vp/full.png', fullPage: true, timeout: 8000 }); console.log('full ok', Date.now() - t); } catch (e) { console.log('full fail'); }
const h = await page.evaluate(() => document.documentElement.scrollHeight);
console.log('height', h);
await page.setViewportSize({ width: 1100, height: h });
await page.screenshot({ path: '/tmp/vp/tall.png', timeout: 8000 });
console.log('tall ok');
await browser.close();
