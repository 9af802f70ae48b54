/**
 * Viewer canvases with their WebGL2 renderer made ahead of the click that needs them.
 *
 * Creating a WebGL2 context and compiling the window/level shaders costs tens of milliseconds on
 * a GPU and over a hundred with a software renderer (we measured 134 ms under llvmpipe), and it
 * runs on the page's only thread: on the click that opens an image it delayed the first frame
 * by that much. So the imaging tab prepares a canvas while the user looks at the gallery, the
 * viewer takes it on opening, and gives it back on closing so that the next image reuses the
 * context (browsers keep only a few alive). A canvas keeps its context when it moves in the page.
 */
import { FrameRenderer } from "./renderer";

export interface ViewerSurface {
  canvas: HTMLCanvasElement;
  /** null: this browser has no WebGL2. */
  renderer: FrameRenderer | null;
  /** Why the renderer could not be made (shaders refused by the driver...), or null. */
  error: string | null;
}

/** Two: the compare view shows two viewers side by side. */
const MAX_SPARES = 2;
const spares: ViewerSurface[] = [];
let preparing = 0;

function makeSurface(): ViewerSurface {
  const canvas = document.createElement("canvas");
  try {
    return { canvas, renderer: FrameRenderer.create(canvas), error: null };
  } catch (err) {
    return { canvas, renderer: null, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Makes a spare surface once the page is idle, unless one is ready: called when the imaging
 * tab shows. Not after a viewer takes it: made then, the spare held up that viewer's first frame
 * on the page's one thread; a closing viewer gives its surface back instead.
 */
export function prepareViewerSurface(): void {
  if (spares.length > 0 || preparing) return;
  // After the current paint, so that the tab shows first.
  preparing = window.setTimeout(() => {
    preparing = 0;
    if (spares.length > 0) return;
    const surface = makeSurface();
    surface.renderer?.warmUp();
    if (surface.renderer) spares.push(surface);
  }, 0);
}

/** A spare surface if one is ready, else a new one made now (the compare view's second). */
export function takeViewerSurface(): ViewerSurface {
  return spares.pop() ?? makeSurface();
}

/**
 * Takes a surface back from a viewer that closes: its canvas leaves the page, its attributes
 * and the image on its GPU go, and it waits for the next viewer; a lost context or a full
 * pool frees it instead.
 */
export function releaseViewerSurface(surface: ViewerSurface): void {
  const { canvas, renderer } = surface;
  canvas.remove();
  for (const name of canvas.getAttributeNames()) canvas.removeAttribute(name);
  if (renderer && !renderer.isLost() && spares.length < MAX_SPARES) {
    renderer.forget();
    spares.push(surface);
  } else {
    renderer?.dispose();
  }
}
