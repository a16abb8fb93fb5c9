import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Environment, DatasetIdentity } from '../report/types.ts';
import type { ProtocolConfig } from '../protocol/types.ts';
import type { SeedResult } from '../results/types.ts';
import type { Compat } from './compat.ts';
import type { SweepPlan } from './grid.ts';
import { parseQueueUrl, redact, redisOptions, type QueueConnection } from './url.ts';

// The Redis side of queued sweeps, besides BullMQ's own queues:
//   prunecam:files:<run id>:<seed>   hash: a unit's finished files by path in the run folder
//                                    (seed-N/pretrain.ckpt.json.gz, seed-N/level-00.ckpt.json.gz,
//                                    examples/seed-N-level-00.png; plain .ckpt.json from earlier
//                                    versions), stored by workers per level
//   prunecam:sweeps                  set of sweep ids
//   prunecam:sweep:<id>              the sweep's record (cells, protocols, queues), JSON
//   prunecam:sweep:<id>:coordinator  who coordinates it (expires unless renewed)

export class QueueUnreachableError extends Error {
  override name = 'QueueUnreachableError';
}

export class SweepBusyError extends Error {
  override name = 'SweepBusyError';
}

export const filesKey = (runId: string, seed: number) => `prunecam:files:${runId}:${seed}`;
export const SWEEPS_KEY = 'prunecam:sweeps';
export const sweepKey = (id: string) => `prunecam:sweep:${id}`;
const lockKey = (id: string) => `prunecam:sweep:${id}:coordinator`;

/** A job: one seed of one run. */
export interface SeedJobData {
  sweepId: string;
  runId: string;
  seed: number;
  protocol: ProtocolConfig;
  compat: Compat;
}

export interface SeedJobResult {
  result: SeedResult;
  environment: Environment;
  dataset: DatasetIdentity;
  worker: string;
}

export interface SweepRecord {
  id: string;
  name: string;
  createdAt: string;
  cells: Array<SweepPlan['cells'][number] & { queue: string; compat: Compat }>;
}

export interface Connected {
  conn: QueueConnection;
  /** For BullMQ's `connection` option (each Queue/Worker makes its own clients from it). */
  options: Record<string, unknown>;
  redis: Redis;
}

/** Connects and pings; an unreachable server is a QueueUnreachableError naming the URL without its password. */
export async function connect(url: string): Promise<Connected> {
  const conn = parseQueueUrl(url);
  const probe = new Redis(redisOptions(conn, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 5000, enableOfflineQueue: false }) as never);
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    probe.disconnect();
    throw new QueueUnreachableError(`cannot reach Redis at ${conn.display}: ${redact((e as Error).message, conn)}`);
  }
  probe.disconnect();
  const redis = new Redis(redisOptions(conn, { maxRetriesPerRequest: 3 }) as never);
  redis.on('error', () => {});
  return { conn, options: redisOptions(conn, { maxRetriesPerRequest: null }), redis };
}

const whoami = () => `${hostname()}:${process.pid}`;

/**
 * Takes the coordinator role of a sweep: one process at a time writes its run folders. A second
 * coordinator is refused (SweepBusyError); `sweep status` watches a sweep read-only. The claim
 * expires 30 s after its holder stops renewing it (a killed coordinator), so a later `sweep` or
 * `sweep collect` can take over. Returns the release function.
 */
export async function claimCoordinator(redis: Redis, plan: { id: string; name: string }, display: string): Promise<() => Promise<void>> {
  const me = JSON.stringify({ by: whoami(), since: new Date().toISOString() });
  const ok = await redis.set(lockKey(plan.id), me, 'PX', 30_000, 'NX');
  if (ok !== 'OK') {
    const holder = JSON.parse((await redis.get(lockKey(plan.id))) ?? '{}') as { by?: string; since?: string };
    throw new SweepBusyError(
      `sweep ${plan.name} (${plan.id.slice(0, 12)}) already has a coordinator (${holder.by ?? 'unknown'} since ${holder.since ?? '?'}); a second one is refused. Watch it with 'prunecam sweep status --queue ${display}'`,
    );
  }
  const timer = setInterval(() => {
    void redis
      .get(lockKey(plan.id))
      .then((v) => (v === me ? redis.set(lockKey(plan.id), me, 'PX', 30_000) : null))
      .catch(() => {});
  }, 5_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    if ((await redis.get(lockKey(plan.id))) === me) await redis.del(lockKey(plan.id));
  };
}

export async function saveSweepRecord(redis: Redis, record: SweepRecord): Promise<void> {
  await redis.set(sweepKey(record.id), JSON.stringify(record));
  await redis.sadd(SWEEPS_KEY, record.id);
}

export async function loadSweepRecords(redis: Redis, idPrefix?: string): Promise<SweepRecord[]> {
  const ids = (await redis.smembers(SWEEPS_KEY)).filter((id) => !idPrefix || id.startsWith(idPrefix));
  const out: SweepRecord[] = [];
  for (const id of ids) {
    const raw = await redis.get(sweepKey(id));
    if (raw) out.push(JSON.parse(raw) as SweepRecord);
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** A unit's stored files (path in the run folder -> bytes). */
export async function loadUnitFiles(redis: Redis, runId: string, seed: number): Promise<Map<string, Buffer>> {
  const h = await redis.hgetallBuffer(filesKey(runId, seed));
  return new Map(Object.entries(h));
}

export async function storeUnitFile(redis: Redis, runId: string, seed: number, path: string, bytes: Buffer): Promise<void> {
  await redis.hset(filesKey(runId, seed), path, bytes);
}
