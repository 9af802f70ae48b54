// The viewer's tools and keyboard shortcuts, and the shapes the overlay draws for annotations.
// Measurements themselves (millimetres, degrees) are worked out by the Rust side, never here.
import type { AnnotationKind } from "../bindings";
import type { MessageKey } from "../i18n";
import type { Point } from "./transform";

export type Tool = "wl" | "pan" | "length" | "angle" | "text" | "arrow" | "calibrate";

/** The tools that change the display only (shown to everyone), then those that add something. */
export const VIEW_TOOLS: readonly Tool[] = ["wl", "pan"];
export const EDIT_TOOLS: readonly Tool[] = ["length", "angle", "text", "arrow", "calibrate"];

export const TOOL_KEYS: Record<Tool, string> = {
  wl: "W",
  pan: "P",
  length: "L",
  angle: "A",
  text: "T",
  arrow: "F",
  calibrate: "C",
};

export const TOOL_LABELS: Record<Tool, MessageKey> = {
  wl: "imaging.tool_wl",
  pan: "imaging.tool_pan",
  length: "imaging.tool_length",
  angle: "imaging.tool_angle",
  text: "imaging.tool_text",
  arrow: "imaging.tool_arrow",
  calibrate: "imaging.tool_calibrate",
};

/** Clicks a tool takes: length, arrow and calibration two, angle three (end, vertex, end), text one. */
export function pointsNeeded(tool: Tool): number {
  switch (tool) {
    case "length":
    case "arrow":
    case "calibrate":
      return 2;
    case "angle":
      return 3;
    case "text":
      return 1;
    default:
      return 0;
  }
}

/** The annotation a drawing tool saves; calibration saves none (it changes the image's spacing). */
export function annotationKind(tool: Tool): AnnotationKind | null {
  return tool === "length" || tool === "angle" || tool === "text" || tool === "arrow" ? tool : null;
}

/** What a key does in the viewer (no Ctrl, Alt or Meta; Shift is allowed for digits on AZERTY). */
export type ViewerKeyAction =
  | { kind: "tool"; tool: Tool }
  | { kind: "rotate" | "flipH" | "flipV" | "invert" | "fit" | "reset" | "zoomIn" | "zoomOut" | "delete" | "cancel" }
  | { kind: "pan"; dx: number; dy: number }
  | { kind: "preset"; index: number }
  | { kind: "frame"; step: number };

/** Screen pixels an arrow key moves the image. */
const KEY_PAN_STEP = 40;

export function viewerKeyAction(key: string): ViewerKeyAction | null {
  const upper = key.length === 1 ? key.toUpperCase() : key;
  const tool = (Object.keys(TOOL_KEYS) as Tool[]).find((t) => TOOL_KEYS[t] === upper);
  if (tool) return { kind: "tool", tool };
  if (/^[1-9]$/.test(key)) return { kind: "preset", index: Number(key) - 1 };
  switch (upper) {
    case "R":
      return { kind: "rotate" };
    case "H":
      return { kind: "flipH" };
    case "V":
      return { kind: "flipV" };
    case "I":
      return { kind: "invert" };
    case "0":
      return { kind: "fit" };
    case "Z":
      return { kind: "reset" };
    case "+":
    case "=":
      return { kind: "zoomIn" };
    case "-":
      return { kind: "zoomOut" };
    case "Delete":
    case "Backspace":
      return { kind: "delete" };
    case "Escape":
      return { kind: "cancel" };
    case "ArrowLeft":
      return { kind: "pan", dx: -KEY_PAN_STEP, dy: 0 };
    case "ArrowRight":
      return { kind: "pan", dx: KEY_PAN_STEP, dy: 0 };
    case "ArrowUp":
      return { kind: "pan", dx: 0, dy: -KEY_PAN_STEP };
    case "ArrowDown":
      return { kind: "pan", dx: 0, dy: KEY_PAN_STEP };
    case "PageUp":
      return { kind: "frame", step: -1 };
    case "PageDown":
      return { kind: "frame", step: 1 };
    default:
      return null;
  }
}

/** The two barbs of an arrow's head at `head`, `size` screen pixels long. */
export function arrowHead(tail: Point, head: Point, size = 12): [Point, Point] {
  const angle = Math.atan2(head[1] - tail[1], head[0] - tail[0]);
  const barb = (turn: number): Point => [head[0] - size * Math.cos(angle + turn), head[1] - size * Math.sin(angle + turn)];
  return [barb(Math.PI / 7), barb(-Math.PI / 7)];
}

/** Where an annotation's label goes on screen: beside the vertex of an angle, else the last point. */
export function labelAnchor(kind: AnnotationKind, points: Point[]): Point {
  if (points.length === 0) return [0, 0];
  if (kind === "angle" && points.length >= 2) return points[1];
  if (kind === "arrow") return points[0];
  if (kind === "length" && points.length >= 2)
    return [(points[0][0] + points[1][0]) / 2, (points[0][1] + points[1][1]) / 2];
  return points[points.length - 1];
}

/** Distance from `p` to the segment a-b. */
function segmentDistance(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/**
 * The annotation drawn nearest `p` (screen pixels), if one is within `tolerance`: its lines, its
 * point, or its label's anchor. The overlay itself takes no clicks, so the canvas asks here.
 */
export function hitAnnotation(
  shapes: { id: string; kind: AnnotationKind; points: Point[] }[],
  p: Point,
  tolerance = 8,
): string | null {
  let best: { id: string; d: number } | null = null;
  for (const s of shapes) {
    const [ax, ay] = labelAnchor(s.kind, s.points);
    let d = Math.hypot(p[0] - ax, p[1] - ay);
    for (let i = 1; i < s.points.length; i++) d = Math.min(d, segmentDistance(p, s.points[i - 1], s.points[i]));
    if (d <= tolerance && (!best || d < best.d)) best = { id: s.id, d };
  }
  return best?.id ?? null;
}
