// Importing images file by file, so the screen can show progress and a cancel button that stops
// after the file under way; and where a dropped file lands. No Svelte; the commands are passed in.
import type { ApiError, ImportCandidate, ImportFileOutcome } from "../bindings";

export type ImportProgress = {
  /** Files finished so far. */
  done: number;
  total: number;
  /** The file being imported now, or null once finished. */
  current: string | null;
};

export type ImportRun = {
  outcomes: ImportFileOutcome[];
  /** Stopped by the cancel button before the end. */
  cancelled: boolean;
  /** What stopped the import early (the session locked or ended, the role changed). */
  stoppedBy: ApiError | null;
};

/**
 * Errors that would fail every remaining file the same way, so the import stops there: the
 * session, the role, the patient's file, or the teeth typed for the whole import.
 */
export function stopsImport(e: ApiError): boolean {
  if (["session_locked", "not_signed_in", "permission_denied", "patient_erased"].includes(e.code)) return true;
  if (e.code === "not_found") return /^no patient\b/.test(e.message);
  return e.code === "invalid_input" && /^teeth:/.test(e.message);
}

export type ImportSteps = {
  importOne: (path: string) => Promise<ImportFileOutcome>;
  toError: (err: unknown) => ApiError;
  /** The reason shown for a file whose import failed with an error. */
  describe: (err: ApiError) => string;
  onprogress: (p: ImportProgress) => void;
  cancelled: () => boolean;
};

/**
 * Imports the files one by one. A file refused (an outcome, or an error of its own) does not stop
 * the others; `cancelled()` is asked before each file, so cancelling lets the file under way
 * finish.
 */
export async function runImport(files: Pick<ImportCandidate, "path" | "file_name">[], steps: ImportSteps): Promise<ImportRun> {
  const outcomes: ImportFileOutcome[] = [];
  const total = files.length;
  const finish = (run: Omit<ImportRun, "outcomes">): ImportRun => {
    steps.onprogress({ done: outcomes.length, total, current: null });
    return { outcomes, ...run };
  };
  for (const file of files) {
    if (steps.cancelled()) return finish({ cancelled: true, stoppedBy: null });
    steps.onprogress({ done: outcomes.length, total, current: file.file_name });
    try {
      outcomes.push(await steps.importOne(file.path));
    } catch (err) {
      const e = steps.toError(err);
      if (stopsImport(e)) return finish({ cancelled: false, stoppedBy: e });
      outcomes.push({ path: file.path, status: "refused", image_id: null, reason: steps.describe(e) });
    }
  }
  return finish({ cancelled: false, stoppedBy: null });
}

export type ImportSummary = {
  imported: number;
  /** Already in the file: found so by the preview, or while importing. */
  duplicates: number;
  refused: { fileName: string; reason: string }[];
  /** Ready files left out by a cancel or a stop. */
  notImported: number;
};

/** The end of an import: the files the preview set aside, and what became of the others. */
export function importSummary(files: ImportCandidate[], outcomes: ImportFileOutcome[]): ImportSummary {
  const nameOf = (path: string) => files.find((f) => f.path === path)?.file_name ?? baseName(path);
  const skipped = files.filter((f) => f.status !== "ready");
  return {
    imported: outcomes.filter((o) => o.status === "ready").length,
    duplicates:
      skipped.filter((f) => f.status === "duplicate").length + outcomes.filter((o) => o.status === "duplicate").length,
    refused: [
      ...skipped.filter((f) => f.status === "refused").map((f) => ({ fileName: f.file_name, reason: f.reason ?? "" })),
      ...outcomes.filter((o) => o.status === "refused").map((o) => ({ fileName: nameOf(o.path), reason: o.reason ?? "" })),
    ],
    notImported: Math.max(0, files.filter((f) => f.status === "ready").length - outcomes.length),
  };
}

/** The last part of a path, whichever separator the system uses. */
export const baseName = (path: string): string => path.split(/[\\/]/).filter(Boolean).pop() ?? path;

/** The paths of several lists, in order, each once. */
export function uniquePaths(lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}

/**
 * Whether a drop at `position` (physical pixels from the webview's top-left, as Tauri gives it)
 * falls inside `rect` (CSS pixels, from getBoundingClientRect).
 */
export function dropInside(
  position: { x: number; y: number },
  scaleFactor: number,
  rect: { left: number; top: number; right: number; bottom: number },
): boolean {
  const x = position.x / scaleFactor;
  const y = position.y / scaleFactor;
  return x >= rect.left && x <= rect.right && y >= rect.top && y <= rect.bottom;
}
