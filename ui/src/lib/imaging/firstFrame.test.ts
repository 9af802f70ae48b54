import { describe, expect, it } from "vitest";
import { firstFrameSide } from "./firstFrame";

describe("firstFrameSide", () => {
  it("asks for a screen-sized frame of an image much larger than the stage", () => {
    // The 3000 x 1500 panoramic on a stage 1200 device pixels wide.
    expect(firstFrameSide(3000, 1500, 1200)).toBe(1200);
    expect(firstFrameSide(1500, 3000, 1199.2)).toBe(1200);
  });

  it("asks for the full frame when the image is at most half again the stage", () => {
    expect(firstFrameSide(1800, 900, 1200)).toBeNull();
    expect(firstFrameSide(640, 480, 1200)).toBeNull();
  });

  it("never asks for a side of zero on a stage not laid out yet", () => {
    expect(firstFrameSide(3000, 1500, 0)).toBe(1);
  });
});
