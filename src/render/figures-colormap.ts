// Colour maps for heatmap pictures. The thesis's figures come from pytorch-grad-cam's
// show_cam_on_image, which uses OpenCV's COLORMAP_JET; this is the classic analytic jet
// (dark blue -> blue -> cyan -> yellow -> red -> dark red), close to it by eye.

export type Rgb = [number, number, number];

const clip01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Jet colour of v in [0,1] as RGB components in [0,1]: c = clip(1.5 - |4v - k|), k = 3, 2, 1. */
export function jet(v: number): Rgb {
  if (!Number.isFinite(v)) throw new RangeError(`jet: value ${v} is not a finite number`);
  const x = clip01(v);
  return [clip01(1.5 - Math.abs(4 * x - 3)), clip01(1.5 - Math.abs(4 * x - 2)), clip01(1.5 - Math.abs(4 * x - 1))];
}
