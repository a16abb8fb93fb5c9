import * as tf from '@tensorflow/tfjs';
import { registerFusedTraining, registerWasmExtras } from './wasm-extras.ts';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** Parses a `--backend` value, naming the allowed values when it is not one of them. */
export function parseBackendChoice(value: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new Error(`unknown backend '${value}' (expected one of: ${BACKEND_CHOICES.join(', ')})`);
}

/**
 * Selects the tfjs backend. `auto`: tfjs-node(-gpu) (`tensorflow`) when it loads, else wasm,
 * else cpu. Registers prunecam's kernels for the chosen backend. Returns the backend running.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<string> {
  parseBackendChoice(choice);
  if (choice === 'auto' || choice === 'tensorflow') {
    const failures = await tryTensorflow();
    if (failures === null) return tf.getBackend();
    if (choice === 'tensorflow') throw new Error(`backend 'tensorflow' requested but it could not be loaded:\n  ${failures.join('\n  ')}`);
  }
  if (choice === 'auto' || choice === 'wasm') {
    const failure = await tryWasm();
    if (failure === null) return 'wasm';
    if (choice === 'wasm') throw new Error(`backend 'wasm' could not be initialised: ${failure}`);
  }
  if (!(await tf.setBackend('cpu'))) throw new Error("backend 'cpu' could not be initialised");
  await tf.ready();
  registerFusedTraining('cpu');
  return 'cpu';
}

/** Starts the wasm backend; null on success, else why it failed. */
async function tryWasm(): Promise<string | null> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmExtras();
    registerFusedTraining('wasm');
    if (!(await tf.setBackend('wasm'))) return 'tf.setBackend("wasm") returned false';
    await tf.ready();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

let tensorflowPackage: string | null = null;

/** The package that provides the 'tensorflow' backend when it is active (tfjs-node-gpu or tfjs-node), else null. */
export function activeTensorflowPackage(): string | null {
  return tf.getBackend() === 'tensorflow' ? tensorflowPackage : null;
}

/**
 * Starts the tensorflow backend from tfjs-node-gpu, else tfjs-node; null on success, else each
 * package's real load error (not installed, or its native library missing), for the user.
 */
async function tryTensorflow(): Promise<string[] | null> {
  const failures: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      if (await tf.setBackend('tensorflow')) {
        await tf.ready();
        tensorflowPackage = pkg;
        return null;
      }
      failures.push(`${pkg}: tf.setBackend("tensorflow") returned false`);
    } catch (e) {
      failures.push(`${pkg}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return failures;
}

export interface BackendInfo {
  /** The active tfjs backend: 'tensorflow', 'wasm' or 'cpu'. */
  backend: string;
  /** tfjs version, plus the backend package's own version where it has one (wasm). */
  version: string;
}

/** The active backend and the versions that produced the numbers, for the report. */
export async function backendInfo(): Promise<BackendInfo> {
  const backend = tf.getBackend();
  if (!backend) throw new Error('no tfjs backend is active (call selectBackend first)');
  let version = `tfjs ${tf.version.tfjs}`;
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    version += `, tfjs-backend-wasm ${wasm.version_wasm}`;
  } else if (backend === 'tensorflow') {
    const nodeVersion = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding?.TF_Version;
    if (nodeVersion) version += `, libtensorflow ${nodeVersion}`;
  }
  return { backend, version };
}
