// Arg-max of each row of a row-major [rows, cols] matrix, ties to the lowest index (np.argmax
// and PyTorch's argmax on the CPU both return the first maximum). Used for the predicted class
// (accuracy) and for Grad-CAM++'s target class: both compare raw logits, no softmax.

export function argmaxRows(values: ArrayLike<number>, cols: number): Int32Array {
  if (!Number.isInteger(cols) || cols < 1) throw new RangeError(`argmax: column count must be a positive integer, got ${cols}`);
  if (values.length % cols !== 0) throw new RangeError(`argmax: ${values.length} values do not form rows of ${cols}`);
  const rows = values.length / cols;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestValue = values[r * cols];
    if (Number.isNaN(bestValue)) throw new RangeError(`argmax: row ${r} has NaN at column 0 (non-finite logits)`);
    for (let c = 1; c < cols; c++) {
      const v = values[r * cols + c];
      if (Number.isNaN(v)) throw new RangeError(`argmax: row ${r} has NaN at column ${c} (non-finite logits)`);
      // Strictly greater keeps the first of equal maxima.
      if (v > bestValue) {
        best = c;
        bestValue = v;
      }
    }
    out[r] = best;
  }
  return out;
}
