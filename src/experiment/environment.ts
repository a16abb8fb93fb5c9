import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, platform, arch } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { activeTensorflowPackage, type BackendInfo } from '../backend/select.ts';
import type { Environment } from '../report/types.ts';

export const PRUNECAM_ROOT = join(import.meta.dirname, '..', '..');
const ROOT = PRUNECAM_ROOT;

export function packageVersion(pkgDir: string): string {
  try {
    return JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
}

export function gitCommit(): string | null {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return null;
  }
}

/**
 * The GPU tfjs computed on: only the tensorflow backend of tfjs-node-gpu uses one (wasm, cpu and
 * tfjs-node never do, whatever GPU the machine has), and then it is the one nvidia-smi names.
 */
function gpu(backend: string): string | null {
  if (backend !== 'tensorflow' || activeTensorflowPackage() !== '@tensorflow/tfjs-node-gpu') return null;
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim() || null;
  } catch {
    return null;
  }
}

/** What ran the experiment, recorded in every report; `backend` from src/backend's backendInfo(). */
export function describeEnvironment(backend: BackendInfo): Environment {
  return {
    prunecamVersion: packageVersion(ROOT),
    gitCommit: gitCommit(),
    node: process.version,
    tfjs: tf.version.tfjs,
    backend: backend.backend,
    backendVersion: backend.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores)`,
    os: `${platform()} ${release()} ${arch()}`,
    gpu: gpu(backend.backend),
  };
}
