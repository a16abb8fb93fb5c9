import * as tf from '@tensorflow/tfjs';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/**
 * Selects the tfjs backend. `auto`: tfjs-node(-gpu) (`tensorflow`) when it loads, else wasm.
 * Returns the backend actually running.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<string> {
  if (choice === 'auto' || choice === 'tensorflow') {
    if (await tryTensorflow()) return tf.getBackend();
    if (choice === 'tensorflow') throw new Error("backend 'tensorflow' requested but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node could be loaded");
  }
  if (choice === 'auto' || choice === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    const { registerWasmExtras } = await import('./wasm-extras.ts');
    registerWasmExtras();
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      return 'wasm';
    }
    if (choice === 'wasm') throw new Error("backend 'wasm' could not be initialised");
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return 'cpu';
}

async function tryTensorflow(): Promise<boolean> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      if (await tf.setBackend('tensorflow')) {
        await tf.ready();
        return true;
      }
    } catch {
      // not installed or its native library is missing: try the next one
    }
  }
  return false;
}
