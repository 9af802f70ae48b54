// Window/level (VOI) in modality units: the DICOM linear function, dragging with the mouse, the
// presets' names and how the window is written for tests. The viewer's fragment shader applies
// the same function on the GPU (renderer.ts); `linearWindow` is its CPU twin, used where pixels
// are made in TypeScript (the dev mock's thumbnails).
import type { Language, WindowPreset } from "../bindings";
import { translate, type MessageKey } from "../i18n";

/** [centre, width] in modality units. */
export type Window = [number, number];

/** A width under 1 has no meaning in DICOM (PS3.3 C.11.2.1.2: "Window Width shall be >= 1"). */
const MIN_WINDOW_WIDTH = 1;

/**
 * DICOM PS3.3 C.11.2.1.2.1, the LINEAR function with an output range of [0, 1]:
 * y = ((x - (c - 0.5)) / (w - 1) + 0.5), clamped. A width of 1 is a threshold at c - 0.5.
 */
export function linearWindow(x: number, centre: number, width: number): number {
  if (width <= 1) return x <= centre - 0.5 ? 0 : 1;
  const y = (x - (centre - 0.5)) / (width - 1) + 0.5;
  return y < 0 ? 0 : y > 1 ? 1 : y;
}

/** A window someone typed or dragged to, made valid: finite, width at least 1. */
export function clampWindow([c, w]: Window): Window {
  return [Number.isFinite(c) ? c : 0, Number.isFinite(w) ? Math.max(MIN_WINDOW_WIDTH, w) : MIN_WINDOW_WIDTH];
}

/** Screen pixels of mouse travel that sweep the frame's whole value range. */
const DRAG_PIXELS_PER_RANGE = 500;

/**
 * The window after a drag of (dx, dy) screen pixels from `start`: right widens, down raises the
 * centre (the image darkens), as in most viewers. The step is proportional to the frame's value
 * range, so a 12-bit sensor and a 16-bit CT feel the same under the mouse.
 */
export function dragWindow(start: Window, dx: number, dy: number, range: [number, number]): Window {
  const step = Math.max(range[1] - range[0], 1) / DRAG_PIXELS_PER_RANGE;
  return clampWindow([start[0] + dy * step, start[1] + dx * step]);
}

/** One decimal, as the inputs and the `data-window` attribute show it. */
export function round1(x: number): number {
  const r = Math.round(x * 10) / 10;
  return r === 0 ? 0 : r; // no "-0"
}

/** "2048.0,4096.0": the viewer canvas's `data-window`, read by end-to-end tests. */
export const windowAttr = ([c, w]: Window): string => `${round1(c).toFixed(1)},${round1(w).toFixed(1)}`;

const PRESET_KEYS: Record<string, MessageKey> = {
  file: "imaging.preset_file",
  full_range: "imaging.preset_full_range",
  enamel: "imaging.preset_enamel",
  bone: "imaging.preset_bone",
  soft: "imaging.preset_soft",
};

/** A preset's name in the user's language; one this version does not know, as sent. */
export function presetLabel(lang: Language, name: string): string {
  const key = PRESET_KEYS[name];
  return key ? translate(lang, key) : name;
}

/**
 * The presets to offer for an image. The Rust side works all but the file's own out from the frame
 * it decoded last, so a detail read before the image's first frame (or after another image's)
 * may lack them: the ones already seen for this image are kept, a name sent again takes its new
 * window.
 */
export function mergePresets(known: WindowPreset[], incoming: WindowPreset[]): WindowPreset[] {
  const names = new Set(incoming.map((p) => p.name));
  return [...incoming, ...known.filter((p) => !names.has(p.name))];
}
