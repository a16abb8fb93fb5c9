import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { backendInfo, parseBackendChoice, selectBackend } from '../../src/backend/select.ts';
import { FUSED_BACKENDS } from '../../src/backend/wasm-extras.ts';
import { hasFusedKernels } from '../../src/train/step.ts';

// Backend selection and the versions reported with the numbers. Expected versions come from
// the installed packages' package.json files, not from tfjs's own version constants.

const require = createRequire(import.meta.url);
const packageVersion = (name: string): string => {
  const path = require.resolve(`${name}/package.json`);
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
};

describe('selectBackend / backendInfo', () => {
  it('wasm: selected, reported with the tfjs and tfjs-backend-wasm versions, fused kernels registered', async () => {
    expect(await selectBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(await backendInfo()).toEqual({ backend: 'wasm', version: `tfjs ${packageVersion('@tensorflow/tfjs')}, tfjs-backend-wasm ${packageVersion('@tensorflow/tfjs-backend-wasm')}` });
    expect(hasFusedKernels()).toBe(true);
    // The one kernel training needs that tfjs-backend-wasm does not ship.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('cpu: selected and reported with the tfjs version; switching back and forth works', async () => {
    expect(await selectBackend('cpu')).toBe('cpu');
    expect(await backendInfo()).toEqual({ backend: 'cpu', version: `tfjs ${packageVersion('@tensorflow/tfjs')}` });
    expect(hasFusedKernels()).toBe(true);
    expect(await selectBackend('wasm')).toBe('wasm');
    expect(await selectBackend('cpu')).toBe('cpu');
  });

  it('auto: tensorflow when tfjs-node loads, else wasm', async () => {
    let nodeBinding = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      nodeBinding = false;
    }
    const chosen = await selectBackend('auto');
    if (nodeBinding) expect(['tensorflow', 'wasm']).toContain(chosen);
    else expect(chosen).toBe('wasm');
    expect(FUSED_BACKENDS as readonly string[]).toContain('wasm');
  });

  it('an unknown choice is an error naming the allowed values', () => {
    expect(() => parseBackendChoice('webgpu')).toThrow("unknown backend 'webgpu' (expected one of: auto, tensorflow, wasm, cpu)");
    expect(parseBackendChoice('cpu')).toBe('cpu');
  });
});
