import { describe, expect, it } from "vitest";
import type { ApiError, ImportCandidate, ImportFileOutcome } from "../bindings";
import { baseName, dropInside, importSummary, runImport, stopsImport, uniquePaths, type ImportProgress } from "./importing";

const candidate = (name: string, status: ImportCandidate["status"] = "ready", reason: string | null = null): ImportCandidate => ({
  path: `/scans/${name}`, file_name: name, status, reason, format: "dicom", modality: "IO", taken_on: null, rows: 1, columns: 1,
  frames: 1, file_patient_id: null, file_patient_name: null, patient_match: "unknown",
});

const steps = (importOne: (path: string) => Promise<ImportFileOutcome>, cancelled = () => false) => {
  const seen: ImportProgress[] = [];
  return {
    seen,
    steps: {
      importOne,
      toError: (e: unknown) => e as ApiError,
      describe: (e: ApiError) => `(${e.code}) ${e.message}`,
      onprogress: (p: ImportProgress) => seen.push(p),
      cancelled,
    },
  };
};

describe("runImport", () => {
  it("imports file by file; a refused file does not stop the others", async () => {
    const files = [candidate("a.dcm"), candidate("b.dcm"), candidate("c.dcm")];
    const { seen, steps: s } = steps(async (path) =>
      path.endsWith("b.dcm")
        ? { path, status: "refused", image_id: null, reason: "malformed" }
        : { path, status: "ready", image_id: `i-${path}`, reason: null },
    );
    const run = await runImport(files, s);
    expect(run.cancelled).toBe(false);
    expect(run.outcomes.map((o) => o.status)).toEqual(["ready", "refused", "ready"]);
    expect(seen).toEqual([
      { done: 0, total: 3, current: "a.dcm" },
      { done: 1, total: 3, current: "b.dcm" },
      { done: 2, total: 3, current: "c.dcm" },
      { done: 3, total: 3, current: null },
    ]);
  });

  it("turns a file's own error into a refusal and goes on", async () => {
    const { steps: s } = steps(async (path) => {
      if (path.endsWith("a.dcm")) throw { code: "conflict", message: "a.dcm names another patient" };
      return { path, status: "ready", image_id: "i", reason: null };
    });
    const run = await runImport([candidate("a.dcm"), candidate("b.dcm")], s);
    expect(run.outcomes).toEqual([
      { path: "/scans/a.dcm", status: "refused", image_id: null, reason: "(conflict) a.dcm names another patient" },
      { path: "/scans/b.dcm", status: "ready", image_id: "i", reason: null },
    ]);
  });

  it("stops at an error that would fail every file (the session locked)", async () => {
    let calls = 0;
    const { steps: s } = steps(async () => {
      calls++;
      throw { code: "session_locked", message: "locked" };
    });
    const run = await runImport([candidate("a.dcm"), candidate("b.dcm")], s);
    expect(calls).toBe(1);
    expect(run.outcomes).toEqual([]);
    expect(run.stoppedBy).toEqual({ code: "session_locked", message: "locked" });
  });

  it("cancels after the file under way", async () => {
    let cancel = false;
    const { steps: s } = steps(
      async (path) => {
        cancel = true; // the button is pressed while the first file imports
        return { path, status: "ready", image_id: "i", reason: null };
      },
      () => cancel,
    );
    const run = await runImport([candidate("a.dcm"), candidate("b.dcm"), candidate("c.dcm")], s);
    expect(run.cancelled).toBe(true);
    expect(run.outcomes.map((o) => o.path)).toEqual(["/scans/a.dcm"]);
  });
});

describe("stopsImport", () => {
  it("stops on what every file would meet, not on one file's trouble", () => {
    expect(stopsImport({ code: "permission_denied", message: "" })).toBe(true);
    expect(stopsImport({ code: "patient_erased", message: "" })).toBe(true);
    expect(stopsImport({ code: "not_found", message: "no patient with id p9" })).toBe(true);
    expect(stopsImport({ code: "invalid_input", message: 'teeth: "19" is not a tooth in FDI notation' })).toBe(true);
    expect(stopsImport({ code: "not_found", message: "/scans/a.dcm: no such file" })).toBe(false);
    expect(stopsImport({ code: "conflict", message: "a.dcm names another patient" })).toBe(false);
    expect(stopsImport({ code: "invalid_input", message: "malformed DICOM" })).toBe(false);
  });
});

describe("importSummary", () => {
  it("counts the preview's duplicates and refusals with what the import did", () => {
    const files = [
      candidate("a.dcm"),
      candidate("b.dcm"),
      candidate("c.dcm"),
      candidate("old.dcm", "duplicate", "already in this file"),
      candidate("notes.txt", "refused", "not an image"),
    ];
    const outcomes: ImportFileOutcome[] = [
      { path: "/scans/a.dcm", status: "ready", image_id: "i1", reason: null },
      { path: "/scans/b.dcm", status: "refused", image_id: null, reason: "malformed" },
    ];
    expect(importSummary(files, outcomes)).toEqual({
      imported: 1,
      duplicates: 1,
      refused: [
        { fileName: "notes.txt", reason: "not an image" },
        { fileName: "b.dcm", reason: "malformed" },
      ],
      notImported: 1,
    });
  });
});

describe("paths and drops", () => {
  it("names files and merges lists", () => {
    expect(baseName("/media/usb/DICOM/IM0001")).toBe("IM0001");
    expect(baseName("C:\\Radios\\pano.dcm")).toBe("pano.dcm");
    expect(uniquePaths([["/a", "/b"], ["/b", "/c"]])).toEqual(["/a", "/b", "/c"]);
  });

  it("tells whether a drop falls on the panel (Tauri gives physical pixels)", () => {
    const rect = { left: 100, top: 50, right: 500, bottom: 300 };
    expect(dropInside({ x: 200, y: 200 }, 2, rect)).toBe(true);
    expect(dropInside({ x: 150, y: 200 }, 2, rect)).toBe(false);
    expect(dropInside({ x: 150, y: 200 }, 1, rect)).toBe(true);
    expect(dropInside({ x: 1200, y: 200 }, 2, rect)).toBe(false);
  });
});
