// fetchFiles against a local HTTP server whose mirrors misbehave in the ways real ones do:
// wrong bytes, a connection closed mid-body, 404, nothing listening.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DATA } from '../../src/cli/commands/data.ts';
import { MNIST_BASES } from '../../src/data/checksums.ts';
import { FetchError, fetchFiles } from '../../src/data/fetch.ts';
import { encodeIdx } from '../../src/data/idx.ts';

const MNIST_DIR = resolve(import.meta.dirname, '..', '..', 'data', 'mnist');
const tmp = mkdtempSync(join(tmpdir(), 'prunecam-fetch-'));
const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// Two small fake data files (gzipped IDX) and their sums, computed here with node:crypto.
const FILES: Record<string, Uint8Array> = {
  'a-images-idx3-ubyte.gz': encodeIdx([3, 4, 5], Uint8Array.from({ length: 60 }, (_, i) => (i * 37) & 255), { gzip: true }),
  'a-labels-idx1-ubyte.gz': encodeIdx([3], Uint8Array.of(1, 2, 3), { gzip: true }),
};
const SUMS = Object.fromEntries(Object.entries(FILES).map(([k, v]) => [k, hex(v)]));

/** Serves /<mode>/<file>: good, bad (one byte flipped), trunc (Content-Length says more, then the
 * connection closes), chunked-trunc (no length, closes mid-body), anything else 404. Files of
 * data/mnist are served under /real/. */
function serve(req: { url?: string }, res: import('node:http').ServerResponse): void {
  const [, mode, name] = (req.url ?? '').split('/');
  requests.push(req.url ?? '');
  let body: Uint8Array | undefined = FILES[name];
  if (mode === 'real' && MNIST_BASES.some((b) => `${b}.gz` === name) && existsSync(join(MNIST_DIR, name))) body = readFileSync(join(MNIST_DIR, name));
  if (body === undefined || !['good', 'bad', 'trunc', 'chunked-trunc', 'real'].includes(mode)) {
    res.writeHead(404, 'Not Found').end('no such file');
    return;
  }
  if (mode === 'bad') {
    body = body.slice();
    body[body.length >> 1] ^= 0xff;
  }
  if (mode === 'trunc' || mode === 'chunked-trunc') {
    res.writeHead(200, mode === 'trunc' ? { 'content-length': body.length } : {});
    res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
    return;
  }
  res.writeHead(200, { 'content-length': body.length }).end(body);
}

const requests: string[] = [];
let server: Server;
let base = '';
let closedPort = 0;

beforeAll(async () => {
  server = createServer(serve);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port with nothing listening: open one, note it, close it.
  const probe = createServer();
  await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((ok) => probe.close(ok));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
  rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

let dirCount = 0;
const freshDir = () => join(tmp, `d${dirCount++}`);

describe('fetchFiles', () => {
  it('falls through a bad-checksum mirror and a truncated one to a good mirror', async () => {
    const dir = freshDir();
    const log: string[] = [];
    const mirrors = [`${base}/bad/`, `${base}/trunc`, `${base}/chunked-trunc/`, `${base}/good/`];
    const outcomes = await fetchFiles({ dir, mirrors, files: SUMS, log: (l) => log.push(l) });
    expect(outcomes).toEqual(Object.keys(FILES).map((file) => ({ file, status: 'downloaded', mirror: `${base}/good/`, bytes: FILES[file].length })));
    for (const [name, bytes] of Object.entries(FILES)) expect(hex(readFileSync(join(dir, name)))).toBe(hex(bytes));
    expect(readdirSync(dir).sort()).toEqual(Object.keys(FILES).sort()); // no temp files left
    const text = log.join('\n');
    const f = 'a-images-idx3-ubyte.gz';
    expect(text).toContain(`${base}/bad/${f}: sha256 mismatch: got `);
    expect(text).toContain(`${base}/trunc/${f}: truncated response`);
    expect(text).toContain(`${base}/chunked-trunc/${f}: truncated response: connection failed after`);
    expect(text).toContain(`${f}: downloaded from ${base}/good/${f} (${FILES[f].length} bytes, sha256 OK)`);
  });

  it('with only failing mirrors: FetchError naming every mirror and its failure, and no file left behind', async () => {
    const dir = freshDir();
    const f = 'a-labels-idx1-ubyte.gz';
    const mirrors = [`${base}/bad/`, `${base}/trunc/`, `${base}/missing/`, `http://127.0.0.1:${closedPort}/`];
    const err = await fetchFiles({ dir, mirrors, files: { [f]: SUMS[f] } }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(FetchError);
    const msg = err!.message;
    expect(msg).toMatch(new RegExp(`^could not fetch 1 of 1 files into ${dir}:\\n  ${f}: every mirror failed:`));
    expect(msg).toContain(`${base}/bad/${f}: sha256 mismatch: got `);
    expect(msg).toContain(`, expected ${SUMS[f]} (${FILES[f].length} bytes)`);
    expect(msg).toMatch(new RegExp(`${base}/trunc/${f}: truncated response: (connection failed after \\d+ of ${FILES[f].length} bytes|received \\d+ of ${FILES[f].length} bytes)`));
    expect(msg).toContain(`${base}/missing/${f}: HTTP 404 Not Found`);
    expect(msg).toContain(`http://127.0.0.1:${closedPort}/${f}: request failed (fetch failed: connect ECONNREFUSED 127.0.0.1:${closedPort})`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('skips a file already present with the right sum (no request) and replaces one with a wrong sum', async () => {
    const dir = freshDir();
    const [good, wrong] = Object.keys(FILES);
    await fetchFiles({ dir, mirrors: [`${base}/good/`], files: { [good]: SUMS[good] } });
    writeFileSync(join(dir, wrong), 'stale');
    requests.length = 0;
    const outcomes = await fetchFiles({ dir, mirrors: [`${base}/good/`], files: SUMS });
    expect(outcomes.map((o) => [o.file, o.status])).toEqual([
      [good, 'present'],
      [wrong, 'downloaded'],
    ]);
    expect(requests).toEqual([`/good/${wrong}`]);
    expect(hex(readFileSync(join(dir, wrong)))).toBe(SUMS[wrong]);
  });
});

describe('prunecam data fetch', () => {
  it('tries every --mirror given, in order, and exits with the failures of each', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const dir = freshDir();
    const err = await DATA.run(['fetch', '--data-dir', dir, '--mirror', `${base}/bad/`, `--mirror=${base}/missing/`]).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(FetchError);
    expect(err!.message).toContain(`could not fetch 4 of 4 files into ${dir}`);
    for (const b of MNIST_BASES) {
      expect(err!.message).toContain(`${b}.gz: every mirror failed:\n    ${base}/bad/${b}.gz: HTTP 404 Not Found\n    ${base}/missing/${b}.gz: HTTP 404 Not Found`);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(!existsSync(MNIST_DIR))('downloads the real files from a local mirror; a second run downloads nothing', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    const dir = freshDir();
    expect(await DATA.run(['fetch', '--data-dir', dir, '--mirror', `${base}/missing/`, '--mirror', `${base}/real/`])).toBe(0);
    expect(lines.filter((l) => l.includes(`downloaded from ${base}/real/`))).toHaveLength(4);
    expect(await DATA.run(['verify', '--data-dir', dir])).toBe(0);
    requests.length = 0;
    expect(await DATA.run(['fetch', '--data-dir', dir, '--mirror', `${base}/real/`])).toBe(0);
    expect(requests).toEqual([]);
  });
});
