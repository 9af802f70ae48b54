import { describe, expect, it } from "vitest";
import {
  apply,
  clipMatrix,
  fitScale,
  fitView,
  flipHorizontal,
  flipVertical,
  imageToScreen,
  MAX_ZOOM,
  onImage,
  panBy,
  rotateClockwise,
  screenToImage,
  viewMatrix,
  zoomAround,
  type Geometry,
  type Point,
  type Rotation,
  type View,
} from "./transform";

const g: Geometry = { imageW: 1200, imageH: 1600, viewW: 900, viewH: 600 };
const ROTATIONS: Rotation[] = [0, 90, 180, 270];
const FLIPS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

function* everyView(): Generator<View> {
  for (const rotation of ROTATIONS)
    for (const [flipH, flipV] of FLIPS) yield { zoom: 2.7, panX: -35.5, panY: 112.25, rotation, flipH, flipV };
}

const close = (p: Point, q: Point) => {
  expect(p[0]).toBeCloseTo(q[0], 6);
  expect(p[1]).toBeCloseTo(q[1], 6);
};

describe("screen <-> image", () => {
  it("round-trips screen -> image -> screen for every rotation and flip", () => {
    const screens: Point[] = [
      [0, 0],
      [450, 300],
      [899, 599],
      [12.5, 580.75],
    ];
    for (const view of everyView())
      for (const s of screens) close(imageToScreen(view, g, screenToImage(view, g, s)), s);
  });

  it("round-trips image -> screen -> image for every rotation and flip", () => {
    const points: Point[] = [
      [0, 0],
      [1200, 1600],
      [333.3, 1000.1],
    ];
    for (const view of everyView()) for (const p of points) close(screenToImage(view, g, imageToScreen(view, g, p)), p);
  });

  it("fits the image in the canvas, centred", () => {
    const v = fitView();
    // 1600 rows in 600 pixels: 0.375 screen pixel per image pixel.
    expect(fitScale(v, g)).toBeCloseTo(0.375);
    close(imageToScreen(v, g, [600, 800]), [450, 300]);
    close(imageToScreen(v, g, [0, 0]), [450 - 225, 0]);
    close(imageToScreen(v, g, [1200, 1600]), [450 + 225, 600]);
    // Turned sideways, the 1200 columns lie down the 600 pixels: 0.5.
    expect(fitScale({ rotation: 90 }, g)).toBeCloseTo(0.5);
  });

  it("turns clockwise and mirrors as seen on screen", () => {
    const square: Geometry = { imageW: 100, imageH: 100, viewW: 100, viewH: 100 };
    const at = (view: Partial<View>, p: Point) => imageToScreen({ ...fitView(), ...view }, square, p);
    // The image's top-left corner goes to the top-right after a quarter turn clockwise.
    close(at({ rotation: 90 }, [0, 0]), [100, 0]);
    close(at({ rotation: 180 }, [0, 0]), [100, 100]);
    close(at({ rotation: 270 }, [0, 0]), [0, 100]);
    close(at({ flipH: true }, [0, 0]), [100, 0]);
    close(at({ flipV: true }, [0, 0]), [0, 100]);
    close(at({ flipH: true, flipV: true }, [10, 20]), [90, 80]);
  });

  it("tells points on the image from points beside it", () => {
    expect(onImage(g, [0, 0])).toBe(true);
    expect(onImage(g, [1200, 1600])).toBe(true);
    expect(onImage(g, [-0.1, 5])).toBe(false);
    expect(onImage(g, [5, 1600.5])).toBe(false);
  });
});

describe("view changes", () => {
  it("zooms around the cursor: the pixel under it stays under it", () => {
    for (const view of everyView()) {
      const at: Point = [700, 120];
      const before = screenToImage(view, g, at);
      const zoomed = zoomAround(view, g, at, 1.25);
      expect(zoomed.zoom).toBeCloseTo(view.zoom * 1.25);
      close(imageToScreen(zoomed, g, before), at);
    }
    expect(zoomAround(fitView(), g, [0, 0], 1e6).zoom).toBe(MAX_ZOOM);
  });

  it("pans in screen pixels", () => {
    const v = panBy(fitView(), 10, -4);
    close(imageToScreen(v, g, [600, 800]), [460, 296]);
  });

  it("rotates the picture clockwise on screen, also when mirrored", () => {
    // A square canvas: the fitted size is then the same whichever way the image lies.
    const sq: Geometry = { ...g, viewW: 700, viewH: 700 };
    const centre: Point = [sq.viewW / 2, sq.viewH / 2];
    // A clockwise quarter turn about the canvas's centre: (x, y) -> (-y, x) from the centre.
    const turned = ([x, y]: Point): Point => [centre[0] - (y - centre[1]), centre[1] + (x - centre[0])];
    for (const view of everyView()) {
      const next = rotateClockwise(view);
      for (const p of [[0, 0], [1200, 0], [400, 900]] as Point[]) close(imageToScreen(next, sq, p), turned(imageToScreen(view, sq, p)));
    }
    let v = fitView();
    for (let i = 0; i < 4; i++) v = rotateClockwise(v);
    expect(v.rotation).toBe(0);
  });

  it("mirrors the picture about the canvas's centre", () => {
    for (const view of everyView()) {
      for (const p of [[0, 0], [800, 300]] as Point[]) {
        const [x, y] = imageToScreen(view, g, p);
        close(imageToScreen(flipHorizontal(view), g, p), [g.viewW - x, y]);
        close(imageToScreen(flipVertical(view), g, p), [x, g.viewH - y]);
      }
    }
  });
});

describe("clip matrix", () => {
  it("maps image pixels to WebGL clip space as the screen map does", () => {
    for (const view of everyView()) {
      const m = clipMatrix(view, g);
      for (const p of [[0, 0], [1200, 1600], [17, 1234]] as Point[]) {
        const [sx, sy] = apply(viewMatrix(view, g), p);
        const cx = m[0] * p[0] + m[3] * p[1] + m[6];
        const cy = m[1] * p[0] + m[4] * p[1] + m[7];
        expect(cx).toBeCloseTo((sx / g.viewW) * 2 - 1, 5);
        expect(cy).toBeCloseTo(1 - (sy / g.viewH) * 2, 5);
      }
    }
  });
});
