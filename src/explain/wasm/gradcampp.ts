import { F32, I32, V128, f64x2add, f64x2extract, f64x2promoteLow, moduleBytes, op, shuffleHigh, uleb, v128load, v128zero } from '../../backend/wasm/encode.ts';
import { instantiate } from './heap.ts';

// Grad-CAM++'s raw cam (src/explain/methods/gradcampp.ts with src/explain/cam.ts's
// activationSums and weightedCam) as WebAssembly on the explain heap (heap.ts), for a batch
// whose G came from the closed form (closed-form.ts: G and its nonzero list already on the
// heap). Per image, the JS's operations in the JS's order (spec/explain/wasm-path.spec.ts):
//   S_k: float64 accumulators, pixels in ascending order, each float32 A promoted exactly; one
//        demote (= Math.fround) per channel (float64x2 lanes, one channel per lane: the same
//        additions in the same order);
//   w_k: float64 accumulators over the nonzero list in its order, of
//        term = g > 0 ? g * alpha : 0 * alpha, alpha = g2 / (((2 * g2) + (S_k * g3)) + eps),
//        g2 = g * g, g3 = g2 * g, every step float32 (f32 mul/add/div round once to float32;
//        the JS rounds the exact-or-float64 result with Math.fround, and float64 -> float32
//        double rounding of +, *, / of float32 operands is innocuous, so the bits agree);
//        one demote per channel;
//   cam: per pixel sum = w_0 A_0, then sum = sum + w_k A_k for k = 1.. in order, float32.
// No min/max and no reassociation anywhere. Scalar apart from S_k. Needs channels % 4 == 0.
// Assembled at run time per map size (src/backend/wasm/encode.ts); no binary ships.

export interface GradCamPlusPlusGeometry {
  pixels: number; // height * width
  channels: number;
}

/** run(n, A, G, index, offsets, acc (channels float64), s (channels float32), cam, eps): byte offsets on the shared memory. */
export function gradCamPlusPlusModule({ pixels: hw, channels: K }: GradCamPlusPlusGeometry): Uint8Array<ArrayBuffer> {
  const [N, A, G, INDEX, OFFSETS, ACC, S, CAM, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  let l = 9;
  const [IMG, AI, P, K_, J, JEND, AT, KK, CP] = Array.from({ length: 9 }, () => l++);
  const [GV, G2, ALPHA, SUM] = [l++, l++, l++, l++]; // f32
  if (K % 4 !== 0) throw new Error(`gradcampp (wasm): channels must be a multiple of 4, got ${K}`);
  const firstV = l;
  const sacc = (k: number) => firstV + (k >> 1); // float64x2 accumulator of channels k, k+1 (k even)
  const AV = firstV + K / 2; // four channels of A
  const c: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) for (const b of x) c.push(b);
  };
  const { get, set, tee } = op;
  const f64store = (o: number) => [0x39, 3, ...uleb(o)];
  const accZero = () => {
    for (let k = 0; k < K; k++) emit(get(ACC), op.f64zero, f64store(k * 8));
  };

  emit(get(CAM), set(CP), op.i32(0), set(IMG));
  emit(op.block, get(N), op.i32eqz, op.brIf(0), op.loop);
  {
    // AI = byte address of the image's A.
    emit(get(A), get(IMG), op.i32(hw * K * 4), op.i32mul, op.i32add, set(AI));
    // S_k.
    for (let k = 0; k < K; k += 2) emit(v128zero, set(sacc(k)));
    emit(get(AI), set(P), op.i32(0), set(K_), op.loop);
    for (let k = 0; k < K; k += 4) {
      emit(get(P), v128load(k * 4), set(AV));
      emit(get(sacc(k)), get(AV), f64x2promoteLow, f64x2add, set(sacc(k)));
      emit(get(sacc(k + 2)), get(AV), get(AV), shuffleHigh, f64x2promoteLow, f64x2add, set(sacc(k + 2)));
    }
    emit(get(P), op.i32(K * 4), op.i32add, set(P));
    emit(get(K_), op.i32(1), op.i32add, tee(K_), op.i32(hw), op.i32ltU, op.brIf(0), op.end);
    for (let k = 0; k < K; k++) emit(get(S), get(sacc(k & ~1)), f64x2extract(k & 1), op.f32demote, op.f32store(k * 4));
    // w_k over the nonzero list.
    accZero();
    emit(get(OFFSETS), get(IMG), op.i32(2), op.i32shl, op.i32add, op.i32load(0), set(J));
    emit(get(OFFSETS), get(IMG), op.i32(2), op.i32shl, op.i32add, op.i32load(4), set(JEND));
    emit(op.block, get(J), get(JEND), op.i32eq, op.brIf(0), op.loop);
    {
      emit(get(INDEX), get(J), op.i32(2), op.i32shl, op.i32add, op.i32load(0), set(AT));
      emit(get(AT), op.i32(K), op.i32remU, set(KK));
      emit(get(G), get(AT), op.i32(2), op.i32shl, op.i32add, op.f32load(0), set(GV));
      emit(get(GV), get(GV), op.f32mul, set(G2));
      // alpha = g2 / (((2 * g2) + (S_k * g3)) + eps)
      emit(get(G2));
      emit(op.f32const(2), get(G2), op.f32mul);
      emit(get(S), get(KK), op.i32(2), op.i32shl, op.i32add, op.f32load(0), get(G2), get(GV), op.f32mul, op.f32mul, op.f32add);
      emit(get(EPS), op.f32add, op.f32div, set(ALPHA));
      // acc_k += g > 0 ? g * alpha : 0 * alpha
      emit(get(ACC), get(KK), op.i32(3), op.i32shl, op.i32add, set(AT));
      emit(get(AT), get(AT), op.f64load(0));
      emit(get(GV), get(ALPHA), op.f32mul, op.f32zero, get(ALPHA), op.f32mul, get(GV), op.f32zero, op.f32gt, op.select);
      emit(op.f64promote, op.f64add, f64store(0));
      emit(get(J), op.i32(1), op.i32add, tee(J), get(JEND), op.i32ltU, op.brIf(0));
    }
    emit(op.end, op.end);
    // w_k as float32, kept in S (S is not needed any more).
    for (let k = 0; k < K; k++) emit(get(S), get(ACC), op.f64load(k * 8), op.f32demote, op.f32store(k * 4));
    // cam = sum_k w_k A_k, per pixel.
    emit(get(AI), set(P), op.i32(0), set(K_), op.loop);
    emit(get(S), op.f32load(0), get(P), op.f32load(0), op.f32mul, set(SUM));
    for (let k = 1; k < K; k++) emit(get(SUM), get(S), op.f32load(k * 4), get(P), op.f32load(k * 4), op.f32mul, op.f32add, set(SUM));
    emit(get(CP), get(SUM), op.f32store(0));
    emit(get(CP), op.i32(4), op.i32add, set(CP), get(P), op.i32(K * 4), op.i32add, set(P));
    emit(get(K_), op.i32(1), op.i32add, tee(K_), op.i32(hw), op.i32ltU, op.brIf(0), op.end);
    emit(get(IMG), op.i32(1), op.i32add, tee(IMG), get(N), op.i32ltU, op.brIf(0));
  }
  emit(op.end, op.end, op.end);
  return moduleBytes([I32, I32, I32, I32, I32, I32, I32, I32, F32], [[9, I32], [4, F32], [...uleb(K / 2 + 1), V128]], c);
}

export type GradCamPlusPlusRun = (n: number, a: number, g: number, index: number, offsets: number, acc: number, s: number, cam: number, eps: number) => void;

const runs = new Map<string, GradCamPlusPlusRun>();

/** The kernel for a map size (instantiated on the shared memory once). */
export function gradCamPlusPlusKernel(g: GradCamPlusPlusGeometry): GradCamPlusPlusRun {
  const key = `${g.pixels}x${g.channels}`;
  let run = runs.get(key);
  if (run === undefined) runs.set(key, (run = instantiate<GradCamPlusPlusRun>(gradCamPlusPlusModule(g))));
  return run;
}
