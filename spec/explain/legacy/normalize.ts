// pytorch-grad-cam's scale_cam_image without a target size, per image:
//   img = img - min(img); img = img / (eps + max(img))
// in numpy float32 semantics: the subtraction and the division are float32, and the divisor is
// the float64 sum eps + max rounded to float32 (numpy casts the float64 scalar to the array's
// float32 before dividing). An all-zero or constant image becomes exact zeros, never NaN,
// because its range is 0 and eps > 0.

/**
 * Min-max normalises each of the n images of `pixels` values in place and returns the array.
 * eps must be > 0 so that a constant image maps to 0 rather than 0/0.
 */
export function minMaxNormalize(data: Float32Array, n: number, pixels: number, eps: number): Float32Array {
  if (!(eps > 0)) throw new RangeError(`normalise: eps must be > 0 (a constant image would give 0/0), got ${eps}`);
  if (data.length !== n * pixels) throw new RangeError(`normalise: expected ${n}x${pixels} = ${n * pixels} values, got ${data.length}`);
  const fr = Math.fround;
  for (let img = 0; img < n; img++) {
    const base = img * pixels;
    let min = Infinity;
    for (let i = 0; i < pixels; i++) min = Math.min(min, data[base + i]);
    let max = -Infinity;
    for (let i = 0; i < pixels; i++) {
      data[base + i] = fr(data[base + i] - min);
      max = Math.max(max, data[base + i]);
    }
    const divisor = fr(max + eps);
    for (let i = 0; i < pixels; i++) data[base + i] = fr(data[base + i] / divisor);
  }
  return data;
}
