import { describe, expect, it } from "vitest";
import { annotationKind, arrowHead, EDIT_TOOLS, hitAnnotation, labelAnchor, pointsNeeded, TOOL_KEYS, VIEW_TOOLS, viewerKeyAction } from "./tools";

describe("tools", () => {
  it("take the clicks their measurement needs", () => {
    expect(pointsNeeded("length")).toBe(2);
    expect(pointsNeeded("arrow")).toBe(2);
    expect(pointsNeeded("calibrate")).toBe(2);
    expect(pointsNeeded("angle")).toBe(3);
    expect(pointsNeeded("text")).toBe(1);
    expect(pointsNeeded("wl")).toBe(0);
    expect(pointsNeeded("pan")).toBe(0);
  });

  it("save an annotation of their kind, except calibration", () => {
    expect(annotationKind("length")).toBe("length");
    expect(annotationKind("angle")).toBe("angle");
    expect(annotationKind("text")).toBe("text");
    expect(annotationKind("arrow")).toBe("arrow");
    expect(annotationKind("calibrate")).toBeNull();
    expect(annotationKind("wl")).toBeNull();
  });

  it("each have their own key", () => {
    const keys = [...VIEW_TOOLS, ...EDIT_TOOLS].map((t) => TOOL_KEYS[t]);
    expect(new Set(keys).size).toBe(7);
    for (const t of [...VIEW_TOOLS, ...EDIT_TOOLS]) expect(viewerKeyAction(TOOL_KEYS[t].toLowerCase())).toEqual({ kind: "tool", tool: t });
  });
});

describe("viewerKeyAction", () => {
  it("maps the documented shortcuts", () => {
    expect(viewerKeyAction("r")).toEqual({ kind: "rotate" });
    expect(viewerKeyAction("h")).toEqual({ kind: "flipH" });
    expect(viewerKeyAction("v")).toEqual({ kind: "flipV" });
    expect(viewerKeyAction("i")).toEqual({ kind: "invert" });
    expect(viewerKeyAction("0")).toEqual({ kind: "fit" });
    expect(viewerKeyAction("z")).toEqual({ kind: "reset" });
    expect(viewerKeyAction("+")).toEqual({ kind: "zoomIn" });
    expect(viewerKeyAction("=")).toEqual({ kind: "zoomIn" });
    expect(viewerKeyAction("-")).toEqual({ kind: "zoomOut" });
    expect(viewerKeyAction("3")).toEqual({ kind: "preset", index: 2 });
    expect(viewerKeyAction("Delete")).toEqual({ kind: "delete" });
    expect(viewerKeyAction("Escape")).toEqual({ kind: "cancel" });
    expect(viewerKeyAction("ArrowLeft")).toEqual({ kind: "pan", dx: -40, dy: 0 });
    expect(viewerKeyAction("PageDown")).toEqual({ kind: "frame", step: 1 });
    expect(viewerKeyAction("q")).toBeNull();
    expect(viewerKeyAction("Enter")).toBeNull();
  });
});

describe("annotation shapes", () => {
  it("puts labels by the middle of a length, the vertex of an angle, the tail of an arrow", () => {
    expect(labelAnchor("length", [[0, 0], [10, 20]])).toEqual([5, 10]);
    expect(labelAnchor("angle", [[0, 0], [10, 20], [30, 0]])).toEqual([10, 20]);
    expect(labelAnchor("arrow", [[1, 2], [10, 20]])).toEqual([1, 2]);
    expect(labelAnchor("text", [[7, 8]])).toEqual([7, 8]);
  });

  it("draws an arrow's barbs behind its head", () => {
    const [a, b] = arrowHead([0, 0], [100, 0], 10);
    expect(a[0]).toBeLessThan(100);
    expect(b[0]).toBeLessThan(100);
    expect(a[1]).toBeCloseTo(-b[1]);
  });

  it("finds the annotation under the pointer", () => {
    const shapes = [
      { id: "len", kind: "length" as const, points: [[0, 0], [100, 0]] as [number, number][] },
      { id: "ang", kind: "angle" as const, points: [[0, 50], [50, 100], [100, 50]] as [number, number][] },
      { id: "txt", kind: "text" as const, points: [[200, 200]] as [number, number][] },
    ];
    expect(hitAnnotation(shapes, [30, 5])).toBe("len");
    expect(hitAnnotation(shapes, [75, 76])).toBe("ang");
    expect(hitAnnotation(shapes, [203, 198])).toBe("txt");
    expect(hitAnnotation(shapes, [150, 150])).toBeNull();
  });
});
