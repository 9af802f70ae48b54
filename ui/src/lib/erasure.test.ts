import { describe, expect, it } from "vitest";
import { confirmsErasure, erasedBanner, fileLines, retainedLine } from "./erasure";
import { errorText } from "./i18n";
import { formatDay } from "./medical";

describe("erasure", () => {
  it("is confirmed by typing the file number", () => {
    expect(confirmsErasure("K7Q-00042", "K7Q-00042")).toBe(true);
    expect(confirmsErasure(" k7q-00042 ", "K7Q-00042")).toBe(true);
    expect(confirmsErasure("K7Q-0004", "K7Q-00042")).toBe(false);
    expect(confirmsErasure("", "K7Q-00042")).toBe(false);
    expect(confirmsErasure("", "")).toBe(false);
  });

  it("writes the banner of an erased file", () => {
    const ms = Date.UTC(2025, 2, 14, 12);
    expect(erasedBanner("fr", { erased_at_ms: ms, file_number: "K7Q-00042" })).toBe(
      `Identité effacée à la demande du patient (RGPD) le ${formatDay(ms)} — dossier K7Q-00042`,
    );
    expect(erasedBanner("en", { erased_at_ms: ms, file_number: "K7Q-00042" })).toBe(
      `Identity erased at the patient's request (GDPR) on ${formatDay(ms)} — file K7Q-00042`,
    );
  });

  it("words what was kept", () => {
    expect(retainedLine("fr", { kind: "medical_item", count: 3 })).toBe("3 éléments d'antécédents médicaux");
    expect(retainedLine("fr", { kind: "medical_item", count: 1 })).toBe("1 élément d'antécédents médicaux");
    expect(retainedLine("fr", { kind: "consent", count: 0 })).toBe("0 consentement");
    expect(retainedLine("en", { kind: "consent", count: 0 })).toBe("0 consent records");
    expect(retainedLine("en", { kind: "consent", count: 1 })).toBe("1 consent record");
    expect(retainedLine("en", { kind: "invoice", count: 2 })).toBe("invoice: 2");
    expect(retainedLine("fr", { kind: "chart_entry", count: 2 })).toBe("2 entrées du schéma dentaire");
    expect(retainedLine("en", { kind: "chart_entry", count: 1 })).toBe("1 dental chart entry");
  });

  it("translates the new error codes", () => {
    expect(errorText("fr", { code: "patient_erased", message: "file K7Q-00042 was erased" })).toMatch(/^Ce dossier a été effacé/);
    // Said for an identity edit and for a clinical write alike (a chart entry, an appointment).
    expect(errorText("en", { code: "patient_erased", message: "file K7Q-00042 was erased" })).toContain(
      "can no longer be edited nor take anything new (treatments, appointments, history); what it holds is kept",
    );
    expect(errorText("en", { code: "export_failed", message: "could not write /x: denied; choose another folder" })).toBe(
      "The export file could not be written (could not write /x: denied; choose another folder).",
    );
  });
});

describe("fileLines", () => {
  const files = (rewritten: number, elsewhere: number, failed: number) => ({
    files_without_identity: rewritten,
    files_elsewhere: elsewhere,
    files_not_rewritable: failed,
  });

  it("says nothing when the patient had no DICOM file", () => {
    expect(fileLines("fr", files(0, 0, 0))).toEqual([]);
  });

  it("tells each case that happened, singular and plural, in both languages", () => {
    const fr = fileLines("fr", files(2, 1, 0));
    expect(fr).toHaveLength(2);
    expect(fr[0]).toMatch(/^2 radiographies DICOM réécrites/);
    expect(fr[1]).toMatch(/^1 radiographie DICOM n'est pas sur ce poste : elle sera téléchargée/);
    const en = fileLines("en", files(1, 0, 3));
    expect(en[0]).toMatch(/^1 DICOM radiograph written again/);
    expect(en[1]).toMatch(/^3 DICOM files could not be written again/);
  });
});
