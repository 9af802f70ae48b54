// Pure helpers for the imaging tab: how an image's kind and calibration are named, the gallery's
// modality filter and the teeth typed in a field. No Svelte, no I/O.
import type { DownloadProgress, ImageSummary, Language, SpacingSource } from "../bindings";
import { translate, type MessageKey } from "../i18n";
import { formatBytes } from "../sync";

const MODALITY_KEYS: Record<string, MessageKey> = {
  IO: "imaging.modality_IO",
  PX: "imaging.modality_PX",
  CT: "imaging.modality_CT",
  DX: "imaging.modality_DX",
  CR: "imaging.modality_CR",
  XC: "imaging.modality_XC",
};

/** "Intra-orale", "Panoramique"; an unknown DICOM code as sent; a sensor file by its format. */
export function modalityLabel(lang: Language, image: Pick<ImageSummary, "modality" | "format">): string {
  if (!image.modality) return translate(lang, "imaging.modality_none", { format: image.format.toUpperCase() });
  const key = MODALITY_KEYS[image.modality];
  return key ? translate(lang, key) : image.modality;
}

/** The modalities present ("" for files without one), most frequent first, then by code. */
export function modalityChoices(images: Pick<ImageSummary, "modality">[]): string[] {
  const counts = new Map<string, number>();
  for (const im of images) counts.set(im.modality, (counts.get(im.modality) ?? 0) + 1);
  return [...counts.keys()].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || a.localeCompare(b));
}

/** `null` keeps every image. */
export function filterByModality<T extends Pick<ImageSummary, "modality">>(images: T[], modality: string | null): T[] {
  return modality === null ? images : images.filter((im) => im.modality === modality);
}

/** Where the millimetres come from, as shown next to the toolbar. */
export function spacingLabel(lang: Language, source: SpacingSource | null): string {
  switch (source) {
    case "pixel_spacing":
      return translate(lang, "imaging.spacing_pixel");
    case "imager_pixel_spacing":
      return translate(lang, "imaging.spacing_imager");
    case "calibration":
      return translate(lang, "imaging.spacing_calibrated");
    default:
      return translate(lang, "imaging.spacing_none");
  }
}

/**
 * The teeth typed in a field ("36, 37", "36 37;38"), in order, without repeats. Whether they are
 * valid FDI codes is for the Rust side to say.
 */
export function splitTeeth(text: string): string[] {
  const out: string[] = [];
  for (const t of text.split(/[\s,;]+/)) if (t && !out.includes(t)) out.push(t);
  return out;
}

/** "36, 37" for a caption; empty when no tooth is linked. */
export const teethLine = (teeth: string[]): string => teeth.join(", ");

/** "1200 × 1600", with the frame count when there are several. */
export function sizeLabel(lang: Language, im: Pick<ImageSummary, "columns" | "rows" | "frames">): string {
  const size = `${im.columns} × ${im.rows}`;
  return im.frames > 1 ? translate(lang, "imaging.size_frames", { size, n: im.frames }) : size;
}

/** The download of an image's file from the relay, while the viewer waits: "Téléchargement de
 * l'image depuis le relais… 45 % (2,1 Mo sur 4,7 Mo)"; the bare sentence before anything is known;
 * once all of it is here, the frame is being decoded: "Chargement de l'image…". */
export function downloadLabel(lang: Language, progress: DownloadProgress | null): string {
  if (!progress || !(progress.bytes_total > 0)) return translate(lang, "imaging.fetching_relay");
  const here = Math.min(Math.max(progress.bytes_here, 0), progress.bytes_total);
  if (here === progress.bytes_total) return translate(lang, "imaging.loading_frame");
  return translate(lang, "imaging.fetching_relay_progress", {
    percent: Math.floor((100 * here) / progress.bytes_total),
    here: formatBytes(lang, here),
    total: formatBytes(lang, progress.bytes_total),
  });
}
