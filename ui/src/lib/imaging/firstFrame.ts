/**
 * The first frame of an image, asked for on the click that opens it.
 *
 * Opening an image mounts the whole image panel (viewer, toolbar, annotations, teeth) before
 * the viewer can ask for its frame, and the request only leaves once that work is done: we
 * measured 80 ms of it in the WebKit end-to-end test. Asked from the click instead, the frame is
 * read while the click is handled, and the panel waits a little for it (whenFirstFrameOrSoon)
 * so that it shows with its picture.
 *
 * The request gives the stage's expected size; the Rust side sends a screen-sized frame when the
 * image is much larger (a panoramic is 9 MB at full size, a fraction of that at the screen's),
 * and the viewer then loads the full frame for zooming in. The stage's size is the last
 * viewer's, else the imaging tab's width, else the window's.
 */
import * as api from "../api";

/** The last stage's larger side in device pixels, as the viewer measured it. */
let lastStageSide: number | null = null;
/** The imaging tab's width in device pixels, as its resize observer reported it. */
let tabWidth: number | null = null;

export function rememberStageSide(side: number): void {
  if (side > 0) lastStageSide = side;
}

/** The imaging tab's width: the viewer's stage lies inside it. */
export function rememberTabWidth(width: number): void {
  if (width > 0) tabWidth = width;
}

/**
 * The stage's larger side expected for the next viewer: the last viewer's; before any, the
 * imaging tab's width, which the stage's width does not exceed (a 1280-pixel window gave a
 * 1280-pixel first frame for a 700-pixel stage, three times the bytes to decode and send);
 * before the tab is laid out, the window's larger side.
 */
export function expectedStageSide(): number {
  return lastStageSide ?? tabWidth ?? windowSide();
}

function windowSide(): number {
  const dpr = window.devicePixelRatio || 1;
  return Math.ceil(Math.max(window.innerWidth, window.innerHeight) * dpr);
}

export interface FirstFrame {
  imageId: string;
  bytes: Promise<ArrayBuffer>;
}

let pending: FirstFrame | null = null;

/** Asks for an image's first frame now, for the viewer about to open it. */
export function prefetchFirstFrame(imageId: string): FirstFrame {
  const bytes = api.imageFrame(imageId, 0, Math.ceil(expectedStageSide()));
  // A failure is the viewer's to show when it takes the promise; until then it is not unhandled.
  bytes.catch(() => undefined);
  pending = { imageId, bytes };
  return pending;
}

/**
 * How long a click on a thumbnail waits for the first frame before the viewer opens without it
 * (and shows that it is loading). A kept frame comes within a few milliseconds: the viewer then
 * opens with its picture in the same paint. Opened first, the viewer's layout and paint (50 to
 * 70 ms in the WebKit end-to-end test) ran before the frame could be drawn, and the picture
 * needed a second paint.
 */
export const FIRST_FRAME_WAIT_MS = 100;

/**
 * Calls `open` once the first frame is here (or failed), or after [`FIRST_FRAME_WAIT_MS`],
 * whichever comes first; only once.
 */
export function whenFirstFrameOrSoon(first: FirstFrame, open: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    open();
  };
  const timer = setTimeout(once, FIRST_FRAME_WAIT_MS);
  first.bytes.then(once, once);
}

/** The first frame asked for on the click, once, if it is this image's. */
export function takeFirstFrame(imageId: string): FirstFrame | null {
  const found = pending?.imageId === imageId ? pending : null;
  pending = null;
  return found;
}

const TOOLBAR_HEIGHT_KEY = "chairside.viewer.toolbarHeight";
/** Two rows of buttons in each of the toolbar's two bars, before any toolbar was measured. */
const TOOLBAR_HEIGHT_GUESS = 144;

/**
 * The viewer's toolbar height in CSS pixels, as last measured (kept across restarts): the
 * viewer keeps that much room for its toolbar until the first frame is on screen, so that the
 * image does not move down when the toolbar comes (see ImageViewer).
 */
export function expectedToolbarHeight(): number {
  try {
    const saved = Number(globalThis.localStorage?.getItem(TOOLBAR_HEIGHT_KEY));
    return Number.isFinite(saved) && saved > 0 ? saved : TOOLBAR_HEIGHT_GUESS;
  } catch {
    return TOOLBAR_HEIGHT_GUESS;
  }
}

export function rememberToolbarHeight(height: number): void {
  if (!(height > 0)) return;
  try {
    globalThis.localStorage?.setItem(TOOLBAR_HEIGHT_KEY, String(Math.round(height)));
  } catch {
    // Storage full or refused: the next viewer guesses instead.
  }
}
