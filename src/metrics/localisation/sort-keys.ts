// Sorting heatmap values fast. The rank metrics sort 784 values per image, 10,000 images x ~10
// heatmap sources per level; V8's TypedArray.prototype.sort costs ~100 us per image there, an
// LSD radix sort of order-preserving integer keys ~10 us.

const floats = new Float32Array(1024);
const floatBits = new Uint32Array(floats.buffer);

/**
 * Writes the order-preserving uint32 key of each float32 in values[start .. start+count) to
 * keys[0 .. count) (count <= 1024): for a < b (as floats) key(a) < key(b), equal floats equal
 * keys (-0 and +0 both get +0's key). NaN keys sort above +Infinity, those of NaNs with the sign
 * bit set (x86's default NaN) below -Infinity; callers leave non-finite heatmaps out. Goes
 * through a module scratch buffer, not a view per image, to allocate nothing.
 */
export function floatKeys(values: Float32Array, start: number, count: number, keys: Uint32Array): void {
  for (let i = 0; i < count; i++) floats[i] = values[start + i];
  for (let i = 0; i < count; i++) keys[i] = keyOfBits(floatBits[i]);
}

/** The key of one float32 given its bit pattern (see floatKeys). */
export function keyOfBits(b: number): number {
  // Positive floats order as their bits: set the sign bit to lift them above the negatives.
  // Negative floats order inversely: flipping every bit reverses them. -0 becomes +0 first.
  if (b === 0x80000000) b = 0;
  return (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
}

const histograms = new Uint32Array(4 * 256);

/**
 * Sorts keys[0 .. count) ascending in place (LSD radix, 4 passes of 8 bits, `tmp` at least
 * `count` long as the ping-pong buffer). A pass whose byte is the same for every key is skipped
 * (heatmap values in [0, 1] share their top byte).
 */
export function radixSort(keys: Uint32Array, count: number, tmp: Uint32Array): void {
  if (count < 2) return;
  histograms.fill(0);
  for (let i = 0; i < count; i++) {
    const k = keys[i];
    histograms[k & 0xff]++;
    histograms[256 + ((k >>> 8) & 0xff)]++;
    histograms[512 + ((k >>> 16) & 0xff)]++;
    histograms[768 + (k >>> 24)]++;
  }
  let src = keys;
  let dst = tmp;
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 256;
    const shift = pass * 8;
    if (histograms[base + ((src[0] >>> shift) & 0xff)] === count) continue;
    // Prefix sums turn the counts into each bucket's first output position.
    let pos = 0;
    for (let b = base; b < base + 256; b++) {
      const c = histograms[b];
      histograms[b] = pos;
      pos += c;
    }
    for (let i = 0; i < count; i++) {
      const k = src[i];
      dst[histograms[base + ((k >>> shift) & 0xff)]++] = k;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== keys) keys.set(src.subarray(0, count));
}

const selectHistogram = new Uint32Array(256);

/**
 * The cut-th largest of keys[0 .. count) (1 <= cut <= count) by MSD radix selection: keep only
 * the keys whose top byte is that of the wanted rank, then the next byte, ... About two passes
 * over the keys in all, where a full sort would take eight; `scratch` (>= count) holds the
 * surviving keys, `keys` is left unchanged.
 */
export function largestKey(keys: Uint32Array, count: number, cut: number, scratch: Uint32Array): number {
  let n = count;
  let rank = cut; // wanted rank among the survivors, 1 = largest
  let from = keys;
  for (let shift = 24; shift >= 0; shift -= 8) {
    selectHistogram.fill(0);
    for (let i = 0; i < n; i++) selectHistogram[(from[i] >>> shift) & 0xff]++;
    let bucket = 255;
    while (selectHistogram[bucket] < rank) rank -= selectHistogram[bucket--];
    let m = 0;
    for (let i = 0; i < n; i++) if (((from[i] >>> shift) & 0xff) === bucket) scratch[m++] = from[i];
    from = scratch;
    n = m;
  }
  return from[0];
}

const orderHistograms = new Uint32Array(4 * 256);

/**
 * Writes to order[0 .. count) the indices 0 .. count-1 sorted by keys[index] ascending, equal
 * keys in index order (a stable LSD radix sort of the indices, 4 passes of 8 bits, a pass whose
 * byte is the same for every key skipped). `tmp` (>= count) is the ping-pong buffer; `keys` is
 * left unchanged. The rank metrics' shared ranking, the randomisation control's average ranks
 * and the deletion order all come from this one argsort.
 */
export function radixOrder(keys: Uint32Array, count: number, order: Int32Array, tmp: Int32Array): void {
  for (let i = 0; i < count; i++) order[i] = i;
  if (count < 2) return;
  const h = orderHistograms;
  h.fill(0);
  for (let i = 0; i < count; i++) {
    const k = keys[i];
    h[k & 0xff]++;
    h[256 + ((k >>> 8) & 0xff)]++;
    h[512 + ((k >>> 16) & 0xff)]++;
    h[768 + (k >>> 24)]++;
  }
  let src = order;
  let dst = tmp;
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 256;
    const shift = pass * 8;
    if (h[base + ((keys[0] >>> shift) & 0xff)] === count) continue;
    let pos = 0;
    for (let b = base; b < base + 256; b++) {
      const c = h[b];
      h[b] = pos;
      pos += c;
    }
    for (let i = 0; i < count; i++) {
      const idx = src[i];
      dst[h[base + ((keys[idx] >>> shift) & 0xff)]++] = idx;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== order) order.set(src.subarray(0, count));
}
