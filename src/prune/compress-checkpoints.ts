import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic.ts';
import { CheckpointError } from './checkpoint.ts';
import { gzipCheckpoint, PLAIN_CHECKPOINT_SUFFIX, readCheckpointBytes } from './checkpoint-file.ts';

// A finished run folder holds compressed checkpoints only, whichever prunecam version wrote
// its levels: before the artifacts are listed and signed, each plain .ckpt.json left by an
// earlier version (or a queued worker running one) is replaced by its .gz. The plain file is
// removed only once the .gz on disk decompresses to exactly its bytes.

/**
 * Compresses every plain checkpoint in the seed-<s> folders of `seeds`; returns how many.
 * A plain file whose .gz already exists is removed when the two hold the same JSON (a
 * CheckpointError naming both when they differ: the run read the .gz).
 */
export function compressPlainCheckpoints(runDir: string, seeds: readonly number[]): number {
  let compressed = 0;
  for (const seed of seeds) {
    const dir = join(runDir, `seed-${seed}`);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => n.endsWith(PLAIN_CHECKPOINT_SUFFIX)).sort()) {
      const plain = join(dir, name);
      const gz = `${plain}.gz`;
      const bytes = readFileSync(plain);
      if (existsSync(gz)) {
        if (!unzipped(gz).equals(bytes)) throw new CheckpointError(`checkpoints ${plain} and ${gz} both exist and differ; the run read ${gz}: delete ${plain} if that is right`);
      } else {
        writeFileAtomic(gz, gzipCheckpoint(bytes));
        if (!unzipped(gz).equals(bytes)) {
          rmSync(gz);
          throw new CheckpointError(`compressing checkpoint ${plain}: ${gz} did not decompress to the same bytes; kept ${plain}`);
        }
      }
      rmSync(plain);
      compressed++;
    }
  }
  return compressed;
}

function unzipped(gz: string): Buffer {
  try {
    return readCheckpointBytes(gz);
  } catch (e) {
    throw new CheckpointError(`checkpoint ${gz} is unreadable (${(e as Error).message})`);
  }
}
