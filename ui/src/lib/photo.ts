// Pure helpers for the patient's photo: size checks on the picked file, data URLs, initials for
// the placeholder and reading the Rust side's `photo:` errors. No Svelte, no I/O.
import type { Language, Patient } from "./bindings";
import { translate } from "./i18n";

/** The largest file accepted (PHOTO_MAX_BYTES on the Rust side, which scales it down). */
export const PHOTO_MAX_BYTES = 15 * 1024 * 1024;
export const PHOTO_MAX_MB = PHOTO_MAX_BYTES / 1024 / 1024;
export const PHOTO_TYPES = ["image/jpeg", "image/png"] as const;
/** The `accept` attribute of the file input. */
export const PHOTO_ACCEPT = PHOTO_TYPES.join(",");

/** How many bytes a base64 text decodes to (whitespace ignored). */
export function base64Bytes(b64: string): number {
  const s = b64.replace(/\s/g, "");
  if (!s) return 0;
  const padding = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
  return Math.floor((s.length * 3) / 4) - padding;
}

export const photoTooBig = (bytes: number): boolean => bytes > PHOTO_MAX_BYTES;

/** The base64 part of a data URL ("data:image/png;base64,iVBOR..." -> "iVBOR..."). */
export function base64OfDataUrl(dataUrl: string): string {
  const comma = dataUrl.indexOf(",");
  return comma >= 0 && dataUrl.slice(0, comma).endsWith(";base64") ? dataUrl.slice(comma + 1) : "";
}

/** What an <img> shows for a stored photo (always a JPEG once stored). */
export const photoDataUrl = (b64: string): string => `data:image/jpeg;base64,${b64}`;

/** "MB" for Mohamed Benali; empty for an erased file. */
export function initials(p: Pick<Patient, "first_name" | "last_name">): string {
  const first = (s: string) => Array.from(s.trim())[0] ?? "";
  return `${first(p.first_name)}${first(p.last_name)}`.toLocaleUpperCase("fr");
}

/** The check made before reading the file; the Rust side checks the content for real. */
export function photoFileError(lang: Language, file: { size: number; type: string }): string | null {
  if (photoTooBig(file.size)) return translate(lang, "photo.too_big", { max: PHOTO_MAX_MB });
  if (file.type && !(PHOTO_TYPES as readonly string[]).includes(file.type)) return translate(lang, "photo.not_image");
  return null;
}

/**
 * An `invalid_input` message about the photo ("photo: not a JPEG or PNG picture") in the user's
 * language; null when it is about something else.
 */
export function photoErrorText(lang: Language, message: string): string | null {
  const m = /^photo:\s*(.*)$/s.exec(message.trim());
  if (!m) return null;
  const reason = m[1];
  let d: RegExpExecArray | null;
  if (/larger than/.test(reason)) return translate(lang, "photo.too_big", { max: PHOTO_MAX_MB });
  if ((d = /at most (\d+) pixels/.exec(reason))) return translate(lang, "photo.too_large_dims", { max: d[1] });
  if (/damaged|not a complete/.test(reason)) return translate(lang, "photo.damaged");
  if (/not a JPEG or PNG/.test(reason)) return translate(lang, "photo.not_image");
  if (/not sent whole/.test(reason)) return translate(lang, "photo.not_whole");
  return reason;
}
