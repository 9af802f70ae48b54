// Where the image sits on the screen: zoom, pan, 90° rotations and flips, as one affine map from
// image pixel coordinates (x right, y down, from the top-left corner, as the Rust side stores
// annotation points) to screen coordinates (CSS pixels from the canvas's top-left corner). The
// WebGL vertex shader, the SVG overlay and the clicks of the measuring tools all use this map,
// so a point drawn, clicked and saved is the same pixel.

export type Rotation = 0 | 90 | 180 | 270;

export type View = {
  /** Relative to "fit to view": 1 shows the whole image as large as the canvas allows. */
  zoom: number;
  /** Where the image's centre is, from the canvas's centre, in CSS pixels. */
  panX: number;
  panY: number;
  /** Clockwise on screen. */
  rotation: Rotation;
  /** Mirrors across the screen's vertical axis (flipH) or horizontal axis (flipV). */
  flipH: boolean;
  flipV: boolean;
};

export type Geometry = { imageW: number; imageH: number; viewW: number; viewH: number };

export type Point = [number, number];

/** x' = a x + c y + e, y' = b x + d y + f (the canvas 2D convention). */
export type Affine = { a: number; b: number; c: number; d: number; e: number; f: number };

const MIN_ZOOM = 0.05;
export const MAX_ZOOM = 40;

export const fitView = (): View => ({ zoom: 1, panX: 0, panY: 0, rotation: 0, flipH: false, flipV: false });

/** Screen pixels per image pixel when the view is fitted (zoom 1). */
export function fitScale(view: Pick<View, "rotation">, g: Geometry): number {
  const sideways = view.rotation === 90 || view.rotation === 270;
  const w = sideways ? g.imageH : g.imageW;
  const h = sideways ? g.imageW : g.imageH;
  if (w <= 0 || h <= 0 || g.viewW <= 0 || g.viewH <= 0) return 1;
  return Math.min(g.viewW / w, g.viewH / h);
}

// Clockwise rotation on a y-down screen: (x, y) -> (x cos - y sin, x sin + y cos).
const COS: Record<Rotation, number> = { 0: 1, 90: 0, 180: -1, 270: 0 };
const SIN: Record<Rotation, number> = { 0: 0, 90: 1, 180: 0, 270: -1 };

/**
 * Image -> screen: scale, turn about the image's centre, mirror on the screen's axes, then put the
 * image's centre at the canvas's centre plus the pan.
 */
export function viewMatrix(view: View, g: Geometry): Affine {
  const s = fitScale(view, g) * view.zoom;
  const cos = COS[view.rotation];
  const sin = SIN[view.rotation];
  const fx = view.flipH ? -1 : 1;
  const fy = view.flipV ? -1 : 1;
  const a = fx * s * cos;
  const c = -fx * s * sin;
  const b = fy * s * sin;
  const d = fy * s * cos;
  const cx = g.imageW / 2;
  const cy = g.imageH / 2;
  return {
    a,
    b,
    c,
    d,
    e: g.viewW / 2 + view.panX - (a * cx + c * cy),
    f: g.viewH / 2 + view.panY - (b * cx + d * cy),
  };
}

export function apply(m: Affine, [x, y]: Point): Point {
  return [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
}

export function invert(m: Affine): Affine {
  const det = m.a * m.d - m.b * m.c;
  const a = m.d / det;
  const b = -m.b / det;
  const c = -m.c / det;
  const d = m.a / det;
  return { a, b, c, d, e: -(a * m.e + c * m.f), f: -(b * m.e + d * m.f) };
}

export const imageToScreen = (view: View, g: Geometry, p: Point): Point => apply(viewMatrix(view, g), p);
export const screenToImage = (view: View, g: Geometry, p: Point): Point => apply(invert(viewMatrix(view, g)), p);

/** Whether an image point lies on the image (a click outside it measures nothing). */
export const onImage = (g: Pick<Geometry, "imageW" | "imageH">, [x, y]: Point): boolean =>
  x >= 0 && y >= 0 && x <= g.imageW && y <= g.imageH;

/**
 * The 3x3 column-major matrix the vertex shader uses: image pixels -> clip space (x right, y up,
 * -1 to 1 across the canvas).
 */
export function clipMatrix(view: View, g: Geometry): Float32Array {
  const m = viewMatrix(view, g);
  const sx = 2 / g.viewW;
  const sy = -2 / g.viewH;
  // prettier-ignore
  return new Float32Array([
    sx * m.a, sy * m.b, 0,
    sx * m.c, sy * m.d, 0,
    sx * m.e - 1, sy * m.f + 1, 1,
  ]);
}

const clampZoom = (z: number) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));

/** Zooms by `factor`, keeping the image point under `at` (screen) where it is. */
export function zoomAround(view: View, g: Geometry, at: Point, factor: number): View {
  const q = screenToImage(view, g, at);
  const next = { ...view, zoom: clampZoom(view.zoom * factor) };
  const moved = imageToScreen(next, g, q);
  return { ...next, panX: next.panX + at[0] - moved[0], panY: next.panY + at[1] - moved[1] };
}

export const panBy = (view: View, dx: number, dy: number): View => ({ ...view, panX: view.panX + dx, panY: view.panY + dy });

/**
 * A quarter turn clockwise as seen on screen. The mirror is applied after the rotation, so with
 * one mirror on, the rotation has to go the other way round for the picture to turn clockwise.
 * The pan turns with the picture, so the image turns about the canvas's centre.
 */
export function rotateClockwise(view: View): View {
  const mirrored = view.flipH !== view.flipV;
  const rotation = ((view.rotation + (mirrored ? 270 : 90)) % 360) as Rotation;
  return { ...view, rotation, panX: -view.panY, panY: view.panX };
}

/** Mirrors the picture on screen about the canvas's centre. */
export const flipHorizontal = (view: View): View => ({ ...view, flipH: !view.flipH, panX: -view.panX });
export const flipVertical = (view: View): View => ({ ...view, flipV: !view.flipV, panY: -view.panY });
