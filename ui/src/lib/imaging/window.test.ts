import { describe, expect, it } from "vitest";
import { clampWindow, dragWindow, linearWindow, mergePresets, presetLabel, round1, windowAttr } from "./window";

describe("linearWindow (DICOM PS3.3 C.11.2.1.2.1)", () => {
  it("follows the standard's example: centre 2048, width 4096", () => {
    // x <= c - 0.5 - (w - 1) / 2 gives the minimum, x > c - 0.5 + (w - 1) / 2 the maximum.
    expect(linearWindow(0, 2048, 4096)).toBe(0);
    expect(linearWindow(4095, 2048, 4096)).toBe(1);
    expect(linearWindow(2047.5, 2048, 4096)).toBeCloseTo(0.5);
    expect(linearWindow(-5, 2048, 4096)).toBe(0);
    expect(linearWindow(9000, 2048, 4096)).toBe(1);
  });

  it("is a threshold at c - 0.5 for a width of 1", () => {
    expect(linearWindow(99.5, 100, 1)).toBe(0);
    expect(linearWindow(99.6, 100, 1)).toBe(1);
  });

  it("is linear between the two ends", () => {
    // c = 40, w = 400 (soft tissue in HU): from -159.5 to 239.5.
    expect(linearWindow(-159.5, 40, 400)).toBeCloseTo(0);
    expect(linearWindow(239.5, 40, 400)).toBeCloseTo(1);
    expect(linearWindow(39.5, 40, 400)).toBeCloseTo(0.5);
  });
});

describe("window changes", () => {
  it("keeps the width at least 1 and the values finite", () => {
    expect(clampWindow([10, 0.2])).toEqual([10, 1]);
    expect(clampWindow([Number.NaN, Number.POSITIVE_INFINITY])).toEqual([0, 1]);
    expect(clampWindow([-40.5, 80])).toEqual([-40.5, 80]);
  });

  it("drags in steps proportional to the frame's value range", () => {
    // 4096 values over 500 pixels: 8.192 per pixel.
    const [c, w] = dragWindow([2048, 4096], 10, -5, [0, 4096]);
    expect(w).toBeCloseTo(4096 + 81.92);
    expect(c).toBeCloseTo(2048 - 40.96);
    // Sixteen times the range, sixteen times the step.
    expect(dragWindow([0, 100], 1, 0, [0, 65536])[1]).toBeCloseTo(100 + 131.072);
    expect(dragWindow([0, 100], -1000, 0, [0, 4096])[1]).toBe(1);
    // A flat frame still moves.
    expect(dragWindow([5, 10], 1, 0, [5, 5])[1]).toBeCloseTo(10.002);
  });

  it("writes the window with one decimal", () => {
    expect(round1(2047.96)).toBe(2048);
    expect(round1(-0.04)).toBe(0);
    expect(windowAttr([2048, 4096])).toBe("2048.0,4096.0");
    expect(windowAttr([-40.26, 399.94])).toBe("-40.3,399.9");
  });
});

describe("presetLabel", () => {
  it("translates the known presets and keeps unknown names", () => {
    expect(presetLabel("fr", "file")).toBe("Fenêtre du fichier");
    expect(presetLabel("fr", "full_range")).toBe("Plage complète");
    expect(presetLabel("fr", "enamel")).toBe("Émail");
    expect(presetLabel("fr", "bone")).toBe("Os");
    expect(presetLabel("fr", "soft")).toBe("Tissus mous");
    expect(presetLabel("en", "soft")).toBe("Soft tissue");
    expect(presetLabel("en", "implant")).toBe("implant");
  });
});

describe("mergePresets", () => {
  it("keeps the presets already seen when a detail comes with fewer", () => {
    const full = [
      { name: "file", window: [2000, 3800] as [number, number] },
      { name: "full_range", window: [2048, 4095] as [number, number] },
      { name: "bone", window: [2150, 2252] as [number, number] },
    ];
    expect(mergePresets([], full)).toEqual(full);
    expect(mergePresets(full, [full[0]])).toEqual(full);
    const moved = { name: "file", window: [1000, 500] as [number, number] };
    expect(mergePresets(full, [moved, full[1], full[2]])).toEqual([moved, full[1], full[2]]);
    expect(mergePresets(full, [])).toEqual(full);
  });
});
