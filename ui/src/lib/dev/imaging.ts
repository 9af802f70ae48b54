// DEV ONLY. The imaging commands of the mock (see the top of mock.ts): synthetic radiographs drawn
// in TypeScript, sent by `image_frame` in the same binary format as the Rust side, with
// measurements worked out the way the Rust side does. Only for looking at the screens.
import type {
  AnnotationInput,
  AnnotationKind,
  CalibrationInput,
  DownloadProgress,
  ImageAnnotation,
  ImageDetail,
  ImageExportFormat,
  ImageFormat,
  ImageSummary,
  ImportCandidate,
  ImportFileOutcome,
  ImportFileRequest,
  ImportPreview,
  Permission,
  SpacingSource,
  WindowPreset,
} from "../bindings";
import { encodeFrame, parseFrame, type Frame } from "../imaging/frame";
import { linearWindow } from "../imaging/window";

type Handler = (req: never, args: Record<string, unknown>) => Promise<unknown>;

/** What the imaging mock needs from the rest of the mock. */
export type ImagingHost = {
  allowed: (perm: Permission) => boolean;
  patient: (id: unknown) => { id: string; file_number: string; last_name: string; first_name: string; erased_at_ms: number | null } | undefined;
  /** A file and those merged into it: whose images a read of the file takes in. */
  files: (id: string) => string[];
  user: () => { display_name: string; username: string } | null;
};

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long the mock takes to bring an image's file from the relay. */
const FETCH_MS = 1800;
const fail = (code: string, message: string) => Promise.reject({ code, message });

// ---------------------------------------------------------------- synthetic pixels

/** How an image is drawn: a density in [0, 1] (1 stops every X-ray) or a colour, per pixel. */
type Spec =
  | { kind: "periapical"; seed: number; upper: boolean }
  | { kind: "bitewing"; seed: number }
  | { kind: "pano"; seed: number; missing: string[] }
  | { kind: "ct"; seed: number }
  | { kind: "photo"; seed: number };

/** How densities become stored values: bits, MONOCHROME1, modality rescale. */
type Encoding = { max: number; invert: boolean; scale: number; offset: number };

const BITS12: Encoding = { max: 4095, invert: false, scale: 1, offset: 0 };
const MONO1: Encoding = { max: 4095, invert: true, scale: 1, offset: 0 };
const BITS8: Encoding = { max: 255, invert: false, scale: 1, offset: 0 };
// CBCT: stored 0..4095, Hounsfield units = stored - 1024; density 0 is air (-1000 HU).
const HOUNSFIELD: Encoding = { max: 4095, invert: false, scale: 1, offset: -1024 };

const SIZES: Record<Spec["kind"], [number, number]> = {
  periapical: [1200, 1600],
  bitewing: [1600, 1200],
  pano: [2400, 1200],
  ct: [256, 256],
  photo: [1200, 800],
};

function hash(x: number, y: number, seed: number): number {
  let h = (Math.imul(x, 374761393) + Math.imul(y, 668265263) + Math.imul(seed, 982451653)) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}
const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
const smoothstep = (a: number, b: number, v: number) => {
  const t = clamp01((v - a) / (b - a));
  return t * t * (3 - 2 * t);
};

type Tooth = { cx: number; occlusal: number; dir: 1 | -1; width: number; crown: number; root: number; filling: boolean };

/** A tooth seen from the side: enamel cap, dentin, pulp and canal, maybe a filling; null outside it. */
function toothDensity(t: Tooth, x: number, y: number): number | null {
  const s = (y - t.occlusal) * t.dir; // depth from the biting edge towards the apex
  if (s < 0 || s > t.crown + t.root) return null;
  const dx = Math.abs(x - t.cx);
  const half =
    s <= t.crown
      ? (t.width / 2) * (0.82 + 0.18 * Math.sin((Math.PI * s) / t.crown)) * Math.sqrt(Math.min(1, s / (0.18 * t.crown)))
      : (t.width / 2) * 0.78 * Math.pow(1 - (s - t.crown) / t.root, 0.75);
  if (dx > half) return null;
  if (t.filling && Math.hypot(x - t.cx, s - t.crown * 0.3) < t.width * 0.2) return 0.97;
  const enamel = t.width * 0.07;
  if (s <= t.crown && (half - dx < enamel || s < enamel)) return 0.86;
  if (dx < half * 0.2 && s > t.crown * 0.4 && s < t.crown + t.root * 0.92) return 0.42;
  return 0.66;
}

/** Air and cheek by the crowns, trabecular bone around the roots, a soft bone crest between. */
function background(depth: number, crown: number, x: number, y: number, seed: number): number {
  const bone = 0.3 + 0.035 * Math.sin(x * 0.071 + seed) * Math.sin(y * 0.053) + 0.02 * Math.sin((x + y) * 0.19);
  return 0.09 + (bone - 0.09) * smoothstep(crown * 0.7, crown * 1.05, depth);
}

const noise = (x: number, y: number, seed: number) => (hash(x, y, seed) - 0.5) * 0.035;

function firstTooth(teeth: Tooth[], x: number, y: number): number | null {
  for (const t of teeth) {
    const d = toothDensity(t, x, y);
    if (d !== null) return d;
  }
  return null;
}

type Sampler = (x: number, y: number) => number;

function periapical(w: number, h: number, seed: number, upper: boolean): Sampler {
  const dir = upper ? -1 : 1;
  const occlusal = upper ? h * 0.8 : h * 0.2;
  const crown = h * 0.27;
  const teeth: Tooth[] = [0, 1, 2].map((i) => ({
    cx: (w * (i + 0.5)) / 3 + (hash(i, 1, seed) - 0.5) * w * 0.05,
    occlusal: occlusal + (hash(i, 2, seed) - 0.5) * h * 0.03,
    dir,
    width: (w / 3) * 0.86,
    crown,
    root: h * 0.55,
    filling: hash(i, 3, seed) < 0.4,
  }));
  return (x, y) => clamp01((firstTooth(teeth, x, y) ?? background((y - occlusal) * dir, crown, x, y, seed)) + noise(x, y, seed));
}

function bitewing(w: number, h: number, seed: number): Sampler {
  const crown = h * 0.22;
  const teeth: Tooth[] = [];
  for (const dir of [-1, 1] as const)
    for (let i = 0; i < 4; i++)
      teeth.push({
        cx: (w * (i + 0.5)) / 4 + (hash(i, dir, seed) - 0.5) * w * 0.03,
        occlusal: h * (dir < 0 ? 0.47 : 0.53),
        dir,
        width: (w / 4) * 0.88,
        crown,
        root: h * 0.35,
        filling: hash(i, dir + 5, seed) < 0.3,
      });
  return (x, y) => clamp01((firstTooth(teeth, x, y) ?? background(Math.abs(y - h / 2), crown, x, y, seed)) + noise(x, y, seed));
}

function pano(w: number, h: number, seed: number, missing: string[]): Sampler {
  const x0 = w * 0.12;
  const pitch = (w * 0.76) / 16;
  // The "smile" of a panoramic: the occlusal plane rises towards the ends.
  const occ = (x: number) => h * 0.52 - h * 0.12 * ((x - w / 2) / (w * 0.45)) ** 2;
  const arches: (Tooth | null)[][] = [[], []];
  for (let k = 0; k < 16; k++) {
    const cx = x0 + pitch * (k + 0.5);
    const incisor = k >= 5 && k <= 10;
    const upperFdi = k < 8 ? `1${8 - k}` : `2${k - 7}`;
    const lowerFdi = k < 8 ? `4${8 - k}` : `3${k - 7}`;
    const tooth = (dir: 1 | -1): Tooth => ({
      cx, occlusal: occ(cx) + dir * h * 0.012, dir, width: pitch * (incisor ? 0.8 : 0.94), crown: h * 0.1,
      root: h * (incisor ? 0.18 : 0.15), filling: !incisor && hash(k, dir, seed) < 0.3,
    });
    arches[0].push(missing.includes(upperFdi) ? null : tooth(-1));
    arches[1].push(missing.includes(lowerFdi) ? null : tooth(1));
  }
  return (x, y) => {
    const k = Math.floor((x - x0) / pitch);
    let d: number | null = null;
    for (const arch of arches)
      for (let i = k - 1; i <= k + 1 && d === null; i++) {
        const t = arch[i];
        if (t) d = toothDensity(t, x, y);
      }
    const depth = Math.abs(y - occ(x));
    const jaws = 1 - smoothstep(h * 0.33, h * 0.42, depth);
    const edge = smoothstep(0, w * 0.08, Math.min(x, w - x));
    const bg = (0.12 + (background(depth, h * 0.1, x, y, seed) - 0.09) * jaws) * (0.6 + 0.4 * edge);
    return clamp01((d ?? bg) + noise(x, y, seed));
  };
}

/** An axial CBCT slice through the mandible: the bony arch, and teeth in the middle slices. */
function ct(w: number, h: number, frame: number, frames: number): Sampler {
  const arch = (x: number) => h * 0.27 + 0.011 * (x - w / 2) ** 2;
  const teeth: [number, number][] = [];
  for (let i = 0; i < 14; i++) {
    const x = w * 0.19 + ((w * 0.62) / 13) * i;
    teeth.push([x, arch(x)]);
  }
  const r = 9 * Math.max(0, Math.sin((Math.PI * (frame - frames * 0.2)) / (frames * 0.65)));
  return (x, y) => {
    const inFace = ((x - w / 2) / (w * 0.46)) ** 2 + ((y - h * 0.55) / (h * 0.47)) ** 2 < 1;
    if (!inFace) return clamp01(0.005 + noise(x, y, frame));
    for (const [tx, ty] of teeth) {
      const d = Math.hypot(x - tx, y - ty);
      if (d < r) return clamp01((d < r * 0.3 ? 0.45 : 0.85) + noise(x, y, frame));
    }
    const slope = 0.022 * (x - w / 2);
    const d = Math.abs(y - arch(x)) / Math.sqrt(1 + slope * slope);
    const bone = x > w * 0.12 && x < w * 0.88 && d < 14 ? (d > 10.5 ? 0.8 : 0.5) : 0.34;
    return clamp01(bone + noise(x, y, frame) * 2);
  };
}

/** An intraoral photograph: gums, two rows of teeth, lips. */
function photo(w: number, h: number, seed: number): (x: number, y: number) => [number, number, number] {
  return (x, y) => {
    const n = (hash(x, y, seed) - 0.5) * 10;
    const dy = Math.abs(y - h / 2) / (h / 2);
    if (dy > 0.78) return [150 + n, 62 + n, 72 + n];
    for (const [row, height] of [[0.4, 0.17], [0.62, 0.15]] as const) {
      const cy = h * row + h * 0.05 * ((x - w / 2) / (w / 2)) ** 2;
      const k = Math.round((x - w / 2) / (w * 0.085));
      const width = w * 0.04 * (1 - Math.min(0.45, Math.abs(k) * 0.06));
      const e = ((x - (w / 2 + k * w * 0.085)) / width) ** 2 + ((y - cy) / (h * height * 0.5)) ** 2;
      if (Math.abs(k) <= 5 && e < 1) {
        const shade = 1 - 0.25 * e - Math.abs(k) * 0.03;
        return [236 * shade + n, 228 * shade + n, 208 * shade + n];
      }
    }
    if (Math.abs(y - h * 0.515) < h * 0.03) return [62 + n, 24 + n, 32 + n];
    return [196 - dy * 30 + n, 96 - dy * 20 + n, 106 - dy * 20 + n];
  };
}

const byte = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

// ---------------------------------------------------------------- the stored images

type MockImage = ImageSummary & {
  spec: Spec;
  encoding: Encoding | null; // null: colour
  file_window: [number, number] | null;
  annotations: ImageAnnotation[];
};

/** The presets' parts of a grayscale frame's value range, as the Rust side sets them. */
const RANGE_PRESETS: [string, number, number][] = [
  ["enamel", 0.55, 1.0],
  ["bone", 0.25, 0.8],
  ["soft", 0.0, 0.45],
];

function makeFrame(im: MockImage, index: number): Frame {
  const w = im.columns;
  const h = im.rows;
  const spec = im.spec;
  const enc = im.encoding;
  if (spec.kind === "photo" || !enc) {
    const rgb = photo(w, h, spec.seed);
    const pixels = new Uint8Array(w * h * 3);
    for (let y = 0, i = 0; y < h; y++)
      for (let x = 0; x < w; x++, i += 3) {
        const [r, g, b] = rgb(x, y);
        pixels[i] = byte(r);
        pixels[i + 1] = byte(g);
        pixels[i + 2] = byte(b);
      }
    return { width: w, height: h, channels: 3, invert: false, scale: 1, offset: 0, window: [127.5, 256], min: 0, max: 255, pixels };
  }
  const sample = sampler(spec, w, h, index, im.frames);
  const pixels = new Uint16Array(w * h);
  let lo = Infinity;
  let hi = -Infinity;
  for (let y = 0, i = 0; y < h; y++)
    for (let x = 0; x < w; x++, i++) {
      const d = sample(x, y);
      const v = Math.round((enc.invert ? 1 - d : d) * enc.max);
      pixels[i] = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  const min = enc.scale * lo + enc.offset;
  const max = enc.scale * hi + enc.offset;
  return {
    width: w, height: h, channels: 1, invert: enc.invert, scale: enc.scale, offset: enc.offset,
    window: im.file_window ?? [(min + max) / 2, Math.max(1, max - min)], min, max, pixels,
  };
}

function sampler(spec: Exclude<Spec, { kind: "photo" }>, w: number, h: number, frame: number, frames: number): Sampler {
  switch (spec.kind) {
    case "periapical":
      return periapical(w, h, spec.seed, spec.upper);
    case "bitewing":
      return bitewing(w, h, spec.seed);
    case "pano":
      return pano(w, h, spec.seed, spec.missing);
    case "ct":
      return ct(w, h, frame, frames);
  }
}

/** A PNG data URL at most 256 pixels on its longer side, windowed as the viewer opens it. */
function thumbnail(im: MockImage): string {
  const s = Math.min(1, 256 / Math.max(im.columns, im.rows));
  const tw = Math.max(1, Math.round(im.columns * s));
  const th = Math.max(1, Math.round(im.rows * s));
  const canvas = document.createElement("canvas");
  canvas.width = tw;
  canvas.height = th;
  const ctx = canvas.getContext("2d");
  if (!ctx) return "";
  const data = ctx.createImageData(tw, th);
  const spec = im.spec;
  const enc = im.encoding;
  const rgb = spec.kind === "photo" ? photo(im.columns, im.rows, spec.seed) : null;
  const gray = spec.kind !== "photo" ? sampler(spec, im.columns, im.rows, Math.floor(im.frames / 2), im.frames) : null;
  const [c, w] = im.file_window ?? (enc ? [(enc.max * enc.scale) / 2 + enc.offset, enc.max * enc.scale] : [127.5, 256]);
  for (let y = 0, i = 0; y < th; y++)
    for (let x = 0; x < tw; x++, i += 4) {
      const sx = Math.floor(x / s);
      const sy = Math.floor(y / s);
      if (rgb) {
        const [r, g, b] = rgb(sx, sy);
        data.data.set([byte(r), byte(g), byte(b), 255], i);
      } else if (gray && enc) {
        const d = gray(sx, sy);
        const stored = Math.round((enc.invert ? 1 - d : d) * enc.max);
        const y01 = linearWindow(enc.scale * stored + enc.offset, c, w);
        const v = byte((enc.invert ? 1 - y01 : y01) * 255);
        data.data.set([v, v, v, 255], i);
      }
    }
  ctx.putImageData(data, 0, 0);
  return canvas.toDataURL("image/png");
}

// ---------------------------------------------------------------- measurements, as the Rust side

/** Lengths in mm with the spacing [row, column], else in pixels; angles at the middle point. */
function measure(
  kind: AnnotationKind,
  points: [number, number][],
  spacing: [number, number] | null,
  text: string,
): Pick<ImageAnnotation, "label" | "length_mm" | "angle_deg"> {
  const [row, col] = spacing ?? [1, 1];
  const vec = (a: [number, number], b: [number, number]) => [(b[0] - a[0]) * col, (b[1] - a[1]) * row];
  if (kind === "length") {
    const [dx, dy] = vec(points[0], points[1]);
    const len = Math.hypot(dx, dy);
    return { label: `${len.toFixed(1)} ${spacing ? "mm" : "px"}`, length_mm: spacing ? len : null, angle_deg: null };
  }
  if (kind === "angle") {
    const u = vec(points[1], points[0]);
    const v = vec(points[1], points[2]);
    const norms = Math.hypot(u[0], u[1]) * Math.hypot(v[0], v[1]);
    if (norms < 1e-9) return { label: "", length_mm: null, angle_deg: null };
    const cos = (u[0] * v[0] + u[1] * v[1]) / norms;
    const deg = (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
    return { label: `${deg.toFixed(1)}°`, length_mm: null, angle_deg: deg };
  }
  return { label: text, length_mm: null, angle_deg: null };
}

const POINTS: Record<AnnotationKind, number> = { length: 2, angle: 3, text: 1, arrow: 2 };

const TOOTH = /^(?:[1-4][1-8]|[5-8][1-5])$/;

/**
 * The full-mouth-series slot, as the Rust side works it out (chairside-domain teeth.rs): for an
 * intraoral image (modality IO, or a sensor file with none), a bitewing when it shows both jaws,
 * else the periapical of the region most of its teeth are in (ties go further back).
 */
function fmxSlot(modality: string, teeth: string[]): number | null {
  if ((modality !== "IO" && modality !== "") || !teeth.length) return null;
  const quadrant = (t: string) => Number(t[0]);
  const position = (t: string) => Number(t[1]);
  // 0 incisors, 1 canine, 2 premolars (or milk molars), 3 molars.
  const region = (t: string) => (position(t) <= 2 ? 0 : position(t) === 3 ? 1 : quadrant(t) >= 5 || position(t) <= 5 ? 2 : 3);
  const right = teeth.filter((t) => [1, 4, 5, 8].includes(quadrant(t))).length * 2 >= teeth.length;
  const upper = teeth.filter((t) => [1, 2, 5, 6].includes(quadrant(t))).length;
  if (upper > 0 && upper < teeth.length) {
    const molars = teeth.filter((t) => region(t) === 3).length * 2 > teeth.length;
    return right ? (molars ? 7 : 8) : molars ? 10 : 9;
  }
  const counts = [0, 0, 0, 0];
  for (const t of teeth) counts[region(t)]++;
  let best = 0;
  for (let r = 1; r < 4; r++) if (counts[r] >= counts[best]) best = r;
  const column = best === 0 ? 3 : right ? 3 - best : 3 + best;
  return upper > 0 ? column : 11 + column;
}

const sortTeeth = (teeth: string[]) => [...new Set(teeth)].sort((a, b) => Number(a) - Number(b));

// ---------------------------------------------------------------- imports

/** What a file name stands for in the mock's file system. */
function fileKind(name: string): {
  status: "ready" | "refused";
  reason: string | null;
  format: ImageFormat | null;
  spec: Spec;
  modality: string;
  other: boolean;
} {
  const lower = name.toLowerCase();
  const seed = [...name].reduce((a, c) => a + c.charCodeAt(0), 0);
  const other = lower.includes("autre") || lower.includes("other");
  if (lower.endsWith(".txt"))
    return { status: "refused", reason: "not an image: neither DICOM nor PNG, JPEG or TIFF", format: null, spec: { kind: "photo", seed }, modality: "", other };
  if (lower.includes("corrupt"))
    return {
      status: "refused", reason: "malformed DICOM file: the pixel data is shorter than its declared size", format: "dicom",
      spec: { kind: "periapical", seed, upper: false }, modality: "IO", other,
    };
  if (/\.jpe?g$/.test(lower)) return { status: "ready", reason: null, format: "jpeg", spec: { kind: "photo", seed }, modality: "", other };
  if (/\.(png|tiff?)$/.test(lower))
    return {
      status: "ready", reason: null, format: lower.endsWith(".png") ? "png" : "tiff", spec: { kind: "periapical", seed, upper: false },
      modality: "", other,
    };
  if (lower.includes("pano")) return { status: "ready", reason: null, format: "dicom", spec: { kind: "pano", seed, missing: [] }, modality: "PX", other };
  if (lower.includes("cbct") || lower.includes("ct_")) return { status: "ready", reason: null, format: "dicom", spec: { kind: "ct", seed }, modality: "CT", other };
  if (lower.includes("bw")) return { status: "ready", reason: null, format: "dicom", spec: { kind: "bitewing", seed }, modality: "IO", other };
  return { status: "ready", reason: null, format: "dicom", spec: { kind: "periapical", seed, upper: lower.includes("sup") }, modality: "IO", other };
}

const baseName = (path: string) => path.split(/[\\/]/).filter(Boolean).pop() ?? path;

// ---------------------------------------------------------------- handlers

export function imagingHandlers(host: ImagingHost): Record<string, Handler> {
  const day = 86_400_000;
  const now = Date.now();
  let counter = 0;
  let annotationCounter = 0;
  const images: MockImage[] = [];
  /** When the download of an image not on this PC started, by image id. */
  const downloads = new Map<string, number>();

  function add(
    patientId: string,
    fileName: string,
    spec: Spec,
    o: {
      modality: string; format?: ImageFormat; takenOn: string; teeth?: string[]; encoding?: Encoding | null;
      spacing?: [number, number] | null; source?: SpacingSource | null; window?: [number, number] | null;
      frames?: number; local?: boolean; by?: string; at?: number;
    },
  ): MockImage {
    const [columns, rows] = SIZES[spec.kind];
    const teeth = sortTeeth(o.teeth ?? []);
    const encoding = o.encoding === undefined ? BITS12 : o.encoding;
    const im: MockImage = {
      id: `img${++counter}`, patient_id: patientId, format: o.format ?? "dicom", modality: o.modality, taken_on: o.takenOn,
      file_name: fileName, rows, columns, frames: o.frames ?? 1, spacing_mm: o.spacing ?? null,
      spacing_source: o.spacing ? (o.source ?? "pixel_spacing") : null, teeth, fmx_slot: fmxSlot(o.modality, teeth), thumbnail: "",
      local: o.local ?? true, imported_by: o.by ?? "Dr Amina Benali", imported_at_ms: o.at ?? now, spec, encoding,
      file_window: o.window ?? null,
      annotations: [],
    };
    images.push(im);
    return im;
  }

  function annotate(im: MockImage, kind: AnnotationKind, points: [number, number][], text: string, by: string, at: number) {
    im.annotations.push({
      id: `ann${++annotationCounter}`, image_id: im.id, kind, points, text, ...measure(kind, points, im.spacing_mm, text),
      created_by: by, created_at_ms: at,
    });
  }

  // Mohamed Benali (p1): a full-mouth series in progress, two panoramics a year and a half apart,
  // a MONOCHROME1 bitewing, an image with no spacing, a photograph, a sensor PNG and a CBCT.
  const pano23 = add("p1", "pano_2023.dcm", { kind: "pano", seed: 23, missing: ["36", "18", "28"] }, {
    modality: "PX", takenOn: "2023-11-14", spacing: [0.1, 0.1], source: "imager_pixel_spacing", window: [1900, 3600], at: now - 380 * day,
  });
  annotate(pano23, "length", [[1320, 420], [1320, 690]], "", "Dr Amina Benali", now - 380 * day);
  annotate(pano23, "angle", [[700, 380], [760, 640], [900, 560]], "", "Dr Amina Benali", now - 380 * day);
  add("p1", "pano_2021.dcm", { kind: "pano", seed: 21, missing: ["18", "28"] }, {
    modality: "PX", takenOn: "2021-05-03", spacing: [0.1, 0.1], source: "imager_pixel_spacing", window: [1900, 3600], at: now - 1300 * day,
  });
  const periapicals: [string, string[], boolean, number, boolean][] = [
    ["IO_16-17.dcm", ["16", "17"], true, 110, true],
    ["IO_11-12.dcm", ["11", "12"], true, 110, true],
    ["IO_24-25.dcm", ["24", "25"], true, 110, true],
    ["IO_36-37.dcm", ["36", "37"], false, 60, true],
    ["IO_44-45.dcm", ["44", "45"], false, 110, false],
    ["IO_46-47.dcm", ["46", "47"], false, 110, true],
  ];
  for (const [name, teeth, upper, daysAgo, local] of periapicals) {
    const im = add("p1", name, { kind: "periapical", seed: Number(teeth[0]), upper }, {
      modality: "IO", takenOn: new Date(now - daysAgo * day).toISOString().slice(0, 10), teeth, spacing: [0.025, 0.025],
      window: [2000, 3800], local, at: now - daysAgo * day,
    });
    if (name === "IO_36-37.dcm") {
      annotate(im, "arrow", [[250, 700], [420, 520]], "", "Dr Amina Benali", now - 59 * day);
      annotate(im, "text", [[700, 300]], "Carie distale ?", "Dr Amina Benali", now - 59 * day);
      annotate(im, "length", [[600, 420], [600, 1300]], "", "Dr Amina Benali", now - 59 * day);
    }
  }
  add("p1", "BW_14-15_44-45.dcm", { kind: "bitewing", seed: 14 }, {
    modality: "IO", takenOn: new Date(now - 110 * day).toISOString().slice(0, 10), teeth: ["14", "15", "44", "45"],
    encoding: MONO1, spacing: [0.03, 0.03], source: "imager_pixel_spacing", window: [2048, 4096], at: now - 110 * day,
  });
  add("p1", "IO_31-32_sans_calibrage.dcm", { kind: "periapical", seed: 31, upper: false }, {
    modality: "IO", takenOn: new Date(now - 30 * day).toISOString().slice(0, 10), teeth: ["31", "32"], spacing: null, at: now - 30 * day,
  });
  add("p1", "sourire.jpg", { kind: "photo", seed: 5 }, {
    modality: "", format: "jpeg", takenOn: new Date(now - 30 * day).toISOString().slice(0, 10), encoding: null, at: now - 30 * day,
  });
  add("p1", "capteur_0007.png", { kind: "periapical", seed: 7, upper: false }, {
    modality: "", format: "png", takenOn: new Date(now - 12 * day).toISOString().slice(0, 10), teeth: ["36"], encoding: BITS8,
    at: now - 12 * day,
  });
  add("p1", "cbct_mandibule.dcm", { kind: "ct", seed: 3 }, {
    modality: "CT", takenOn: new Date(now - 7 * day).toISOString().slice(0, 10), encoding: HOUNSFIELD, spacing: [0.3, 0.3],
    window: [500, 2000], frames: 24, at: now - 7 * day,
  });
  // Yanis Meziane (p14), a child: primary molars (they go in the lower right premolar slot).
  add("p14", "IO_84-85.dcm", { kind: "periapical", seed: 84, upper: false }, {
    modality: "IO", takenOn: new Date(now - 90 * day).toISOString().slice(0, 10), teeth: ["84", "85"], spacing: [0.025, 0.025],
    at: now - 90 * day,
  });
  // The erased file (p16) keeps its panoramic.
  add("p16", "pano_2019.dcm", { kind: "pano", seed: 19, missing: ["46"] }, {
    modality: "PX", takenOn: "2019-02-11", spacing: [0.1, 0.1], source: "imager_pixel_spacing", at: now - 2000 * day,
  });

  // ------------------------------------------------------------ helpers

  const frames = new Map<string, ArrayBuffer>();
  /** Frames already drawn, a few at a time (the largest take a fraction of a second to draw). */
  function frameBuffer(im: MockImage, index: number): { frame: Frame; buf: ArrayBuffer } {
    const key = `${im.id}:${index}`;
    const cached = frames.get(key);
    if (cached) return { frame: parseFrame(cached), buf: cached };
    const frame = makeFrame(im, index);
    const buf = encodeFrame(frame);
    frames.set(key, buf);
    if (frames.size > 8) frames.delete(frames.keys().next().value as string);
    return { frame, buf };
  }

  /** The file's window, then the frame's full range and parts of it (grayscale only). */
  function presetsOf(im: MockImage): WindowPreset[] {
    const out: WindowPreset[] = im.file_window ? [{ name: "file", window: im.file_window }] : [];
    if (!im.encoding) return out;
    const { frame } = frameBuffer(im, 0);
    const span = Math.max(1, frame.max - frame.min);
    out.push({ name: "full_range", window: [(frame.min + frame.max) / 2, span] });
    for (const [name, from, to] of RANGE_PRESETS) {
      const [lo, hi] = [frame.min + span * from, frame.min + span * to];
      out.push({ name, window: [(lo + hi) / 2, Math.max(1, hi - lo)] });
    }
    return out;
  }

  const summary = (im: MockImage): ImageSummary => {
    const { spec: _s, encoding: _e, file_window: _w, annotations: _a, ...rest } = im;
    if (!im.thumbnail) im.thumbnail = thumbnail(im);
    return { ...rest, thumbnail: im.thumbnail, teeth: [...im.teeth] };
  };
  const detail = (im: MockImage): ImageDetail => ({
    image: summary(im), annotations: im.annotations.map((a) => ({ ...a, points: a.points.map((p) => [p[0], p[1]]) })),
    window: im.file_window, presets: presetsOf(im),
  });

  const canView = () => host.allowed("view_imaging");
  const noView = () => fail("permission_denied", "your role does not allow viewing images");
  const noEdit = () => fail("permission_denied", "your role does not allow managing images");
  const find = (id: unknown) => images.find((im) => im.id === id);
  const notFound = (id: unknown) => fail("not_found", `no image with id ${id}`);
  /** Writes need edit_imaging and a file that is not erased. */
  function writable(im: MockImage): Promise<never> | null {
    if (!host.allowed("edit_imaging")) return noEdit();
    const p = host.patient(im.patient_id);
    if (p && p.erased_at_ms !== null)
      return fail("patient_erased", `file ${p.file_number} was erased on request (GDPR): nothing can be added to it`);
    return null;
  }
  const remeasure = (im: MockImage) => {
    for (const a of im.annotations) Object.assign(a, measure(a.kind, a.points, im.spacing_mm, a.text));
  };
  const finite = (p: unknown): p is [number, number] => Array.isArray(p) && p.length === 2 && p.every((x) => Number.isFinite(x));

  /** What the preview and the import find in a file, for this patient. */
  function candidate(patientId: string, path: string): ImportCandidate & { spec: Spec } {
    const name = baseName(path);
    const k = fileKind(name);
    const p = host.patient(patientId);
    const [columns, rows] = SIZES[k.spec.kind];
    const existing = images.find((im) => im.patient_id === patientId && im.file_name === name);
    const dicom = k.format === "dicom";
    const filePatient = !dicom ? null : k.other ? ["DUPONT^JEAN", "DUP-1955"] : [`${(p?.last_name ?? "").toUpperCase()}^${p?.first_name ?? ""}`, p?.file_number ?? ""];
    return {
      path, file_name: name,
      status: k.status === "refused" ? "refused" : existing ? "duplicate" : "ready",
      reason:
        k.reason ?? (existing ? `already in this file: ${existing.file_name} imported on ${new Date(existing.imported_at_ms).toISOString().slice(0, 10)}` : null),
      format: k.format, modality: dicom ? k.modality : null, taken_on: dicom ? "2024-05-02" : null,
      rows: k.format ? rows : 0, columns: k.format ? columns : 0, frames: k.spec.kind === "ct" ? 24 : k.format ? 1 : 0,
      file_patient_id: filePatient?.[1] ?? null, file_patient_name: filePatient?.[0] ?? null,
      patient_match: !filePatient ? "unknown" : k.other ? "differs" : "matches", spec: k.spec,
    };
  }

  return {
    list_import_files: async (_r: never, args: Record<string, unknown>) => {
      await delay(300);
      if (!host.allowed("edit_imaging")) return noEdit();
      const path = String(args.path ?? "").trim().replace(/[\\/]+$/, "");
      if (!path) return fail("invalid_input", "path: is empty");
      if (/missing|introuvable/i.test(path)) return fail("not_found", `no file or folder at ${path}`);
      if (/\.(dcm|png|jpe?g|tiff?|txt)$/i.test(path)) return [path];
      if (/DICOMDIR$/i.test(path)) {
        const dir = path.slice(0, -"DICOMDIR".length).replace(/[\\/]+$/, "");
        return [1, 2, 3, 4].map((i) => `${dir}/DICOM/IM00000${i}`);
      }
      if (/vide|empty/i.test(path)) return [];
      return [
        "IO_sup_16-17.dcm", "IO_36-37.dcm", "BW_droite.dcm", "pano_2023.dcm", "photos/sourire_2.jpg", "capteur/IO_0001.png",
        "IO_autre_patient.dcm", "corrupt_IM0007.dcm", "LISEZMOI.txt",
      ].map((f) => `${path}/${f}`);
    },
    preview_image_import: async (_r: never, args: Record<string, unknown>): Promise<ImportPreview> => {
      const paths = Array.isArray(args.paths) ? args.paths.map(String) : [];
      await delay(200 + paths.length * 60);
      if (!host.allowed("edit_imaging")) return noEdit();
      const p = host.patient(args.patientId);
      if (!p) return fail("not_found", `no patient with id ${args.patientId}`);
      const files = paths.map((path) => {
        const { spec: _s, ...c } = candidate(p.id, path);
        return c;
      });
      const count = (s: ImportCandidate["status"]) => files.filter((f) => f.status === s).length;
      return {
        patient: { id: p.id, file_number: p.file_number, last_name: p.last_name, first_name: p.first_name }, files,
        needs_confirmation: files.some((f) => f.status === "ready" && f.patient_match === "differs"),
        ready: count("ready"), duplicates: count("duplicate"), refused: count("refused"),
      };
    },
    import_image_file: async (r: ImportFileRequest): Promise<ImportFileOutcome> => {
      const c = candidate(r.patient_id, r.path);
      await delay(c.spec.kind === "pano" || c.spec.kind === "ct" ? 1400 : 500 + Math.random() * 400);
      if (!host.allowed("edit_imaging")) return noEdit();
      const p = host.patient(r.patient_id);
      if (!p) return fail("not_found", `no patient with id ${r.patient_id}`);
      if (p.erased_at_ms !== null) return fail("patient_erased", `file ${p.file_number} was erased on request (GDPR): nothing can be added to it`);
      const bad = r.teeth.find((t) => !TOOTH.test(t));
      if (bad !== undefined)
        return fail("invalid_input", `teeth: ${JSON.stringify(bad)} is not a tooth in FDI notation (11 to 48, or 51 to 85 for milk teeth)`);
      if (c.status === "refused") return { path: r.path, status: "refused", image_id: null, reason: c.reason };
      if (c.status === "duplicate") {
        const existing = images.find((im) => im.patient_id === p.id && im.file_name === c.file_name);
        return { path: r.path, status: "duplicate", image_id: existing?.id ?? null, reason: c.reason };
      }
      if (c.patient_match === "differs" && !r.confirm_mismatch)
        return fail(
          "conflict",
          `${c.file_name} names another patient (${c.file_patient_id}, ${c.file_patient_name}): confirm that it belongs to this patient to import it`,
        );
      const encoding = c.spec.kind === "photo" ? null : c.spec.kind === "ct" ? HOUNSFIELD : c.format === "dicom" ? BITS12 : BITS8;
      const im = add(p.id, c.file_name, c.spec, {
        modality: c.modality ?? "", format: c.format ?? "dicom", takenOn: c.taken_on ?? new Date().toISOString().slice(0, 10),
        teeth: r.teeth, encoding, spacing: c.format === "dicom" ? (c.spec.kind === "pano" ? [0.1, 0.1] : [0.025, 0.025]) : null,
        frames: c.frames, by: host.user()?.display_name ?? "?", at: Date.now(),
      });
      return { path: r.path, status: "ready", image_id: im.id, reason: null };
    },
    patient_images: async (_r: never, args: Record<string, unknown>) => {
      await delay(150);
      if (!canView()) return noView();
      if (!host.patient(args.patientId)) return fail("not_found", `no patient with id ${args.patientId}`);
      const files = host.files(String(args.patientId));
      return images
        .filter((im) => files.includes(im.patient_id))
        .sort((a, b) => b.taken_on.localeCompare(a.taken_on) || b.imported_at_ms - a.imported_at_ms)
        .map(summary);
    },
    image_detail: async (_r: never, args: Record<string, unknown>) => {
      await delay(60);
      if (!canView()) return noView();
      const im = find(args.imageId);
      return im ? detail(im) : notFound(args.imageId);
    },
    image_frame: async (_r: never, args: Record<string, unknown>) => {
      if (!canView()) return noView();
      const im = find(args.imageId);
      if (!im) return notFound(args.imageId);
      const index = Number(args.frame);
      if (!Number.isInteger(index) || index < 0 || index >= im.frames)
        return fail("invalid_input", `frame: ${args.frame} is not a frame of this image (0 to ${im.frames - 1})`);
      // An image not yet on this PC comes from the relay first.
      if (!im.local) downloads.set(im.id, Date.now());
      await delay(im.local ? 40 : FETCH_MS);
      im.local = true;
      downloads.delete(im.id);
      return frameBuffer(im, index).buf;
    },
    image_download_progress: async (_r: never, args: Record<string, unknown>): Promise<DownloadProgress> => {
      if (!canView()) return noView();
      const im = find(args.imageId);
      if (!im) return notFound(args.imageId);
      // The mock's file: its 16-bit samples; it arrives evenly over FETCH_MS.
      const total = im.columns * im.rows * 2 * im.frames;
      const started = downloads.get(im.id);
      const share = im.local ? 1 : started === undefined ? 0 : Math.min(1, (Date.now() - started) / FETCH_MS);
      return { bytes_here: Math.floor(total * share), bytes_total: total };
    },
    add_image_annotation: async (r: AnnotationInput) => {
      await delay(150);
      const im = find(r.image_id);
      if (!im) return notFound(r.image_id);
      const denied = writable(im);
      if (denied) return denied;
      if (r.points.length !== POINTS[r.kind] || !r.points.every(finite))
        return fail("invalid_input", `points: a ${r.kind} needs ${POINTS[r.kind]} point(s), not ${r.points.length}`);
      if (r.points.some(([x, y]) => x < 0 || y < 0 || x > im.columns || y > im.rows))
        return fail("invalid_input", "points: a point lies outside the image");
      if (r.kind === "text" && !r.text.trim()) return fail("invalid_input", "text: is empty");
      if (r.text.length > 500) return fail("invalid_input", "text: is longer than 500 characters");
      if (r.kind === "angle" && measure("angle", r.points, null, "").label === "")
        return fail("invalid_input", "points: an angle needs its two ends away from its vertex");
      annotate(im, r.kind, r.points, r.text.trim(), host.user()?.display_name ?? "?", Date.now());
      return detail(im);
    },
    delete_image_annotation: async (_r: never, args: Record<string, unknown>) => {
      await delay(120);
      const im = images.find((x) => x.annotations.some((a) => a.id === args.annotationId));
      if (!im) return fail("not_found", `no annotation with id ${args.annotationId}`);
      const denied = writable(im);
      if (denied) return denied;
      im.annotations = im.annotations.filter((a) => a.id !== args.annotationId);
      return detail(im);
    },
    calibrate_image: async (r: CalibrationInput) => {
      await delay(200);
      const im = find(r.image_id);
      if (!im) return notFound(r.image_id);
      const denied = writable(im);
      if (denied) return denied;
      const [[x1, y1], [x2, y2]] = r.points;
      const pixels = Math.hypot(x2 - x1, y2 - y1);
      if (!(r.known_mm > 0 && r.known_mm <= 1000))
        return fail("invalid_input", "calibration: the known length must be more than 0 and at most 1000 mm");
      if ([x1, y1, x2, y2].some((v, i) => v < 0 || v > (i % 2 ? im.rows : im.columns)))
        return fail("invalid_input", "calibration: a point lies outside the image");
      if (pixels < 5)
        return fail("invalid_input", "calibration: the two points must be at least 5 pixels apart: mark both ends of the known length");
      const s = r.known_mm / pixels;
      im.spacing_mm = [s, s];
      im.spacing_source = "calibration";
      remeasure(im);
      return detail(im);
    },
    set_image_teeth: async (_r: never, args: Record<string, unknown>) => {
      await delay(150);
      const im = find(args.imageId);
      if (!im) return notFound(args.imageId);
      const denied = writable(im);
      if (denied) return denied;
      const teeth = Array.isArray(args.teeth) ? args.teeth.map((t) => String(t).trim()) : [];
      const bad = teeth.find((t) => !TOOTH.test(t));
      if (bad !== undefined)
        return fail("invalid_input", `teeth: ${JSON.stringify(bad)} is not a tooth in FDI notation (11 to 48, or 51 to 85 for milk teeth)`);
      im.teeth = sortTeeth(teeth);
      im.fmx_slot = fmxSlot(im.modality, im.teeth);
      return detail(im);
    },
    delete_image: async (_r: never, args: Record<string, unknown>) => {
      await delay(250);
      const im = find(args.imageId);
      if (!im) return notFound(args.imageId);
      const denied = writable(im);
      if (denied) return denied;
      images.splice(images.indexOf(im), 1);
      return null;
    },
    export_image: async (_r: never, args: Record<string, unknown>) => {
      await delay(500);
      if (!canView()) return noView();
      const im = find(args.imageId);
      if (!im) return notFound(args.imageId);
      const format = args.format as ImageExportFormat;
      if (format !== "original" && format !== "png") return fail("invalid_input", `format: unknown export format ${JSON.stringify(format)}`);
      const p = host.patient(im.patient_id);
      const stem = im.file_name.replace(/\.[^.]*$/, "");
      const ext = format === "png" ? "png" : (/\.[^.]*$/.exec(im.file_name)?.[0].slice(1) ?? "dcm");
      return `/home/${host.user()?.username ?? "user"}/Documents/Chairside exports/${p?.file_number ?? "?"}-${stem}.${ext}`;
    },
  };
}
