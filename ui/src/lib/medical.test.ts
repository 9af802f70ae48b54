import { describe, expect, it } from "vitest";
import type { MedicalItem } from "./bindings";
import {
  alertLine,
  emptyMedicalForm,
  groupByKind,
  medicalClientErrors,
  medicalFieldError,
  medicalInputFromForm,
} from "./medical";

const item = (over: Partial<MedicalItem>): MedicalItem => ({
  id: "m1", patient_id: "p1", kind: "allergy", label: "Pénicilline", detail: "", severity: null, alert: false,
  noted_on: null, recorded_by: "Dr Amina Benali", recorded_at_ms: 0, active: true, raises_alert: true, ...over,
});

describe("medical history helpers", () => {
  it("groups items by kind, keeping their order", () => {
    const g = groupByKind([
      item({ id: "a", kind: "medication" }),
      item({ id: "b" }),
      item({ id: "c", kind: "medication" }),
      item({ id: "d", kind: "condition" }),
    ]);
    expect(g.allergy.map((i) => i.id)).toEqual(["b"]);
    expect(g.medication.map((i) => i.id)).toEqual(["a", "c"]);
    expect(g.condition.map((i) => i.id)).toEqual(["d"]);
  });

  it("words the banner's lines", () => {
    expect(alertLine("fr", item({ severity: "high" }))).toBe("Allergie : Pénicilline (sévère)");
    expect(alertLine("en", item({ severity: "high" }))).toBe("Allergy: Pénicilline (severe)");
    expect(alertLine("fr", item({ kind: "medication", label: "Warfarine", severity: "high" }))).toBe("Traitement : Warfarine");
    expect(alertLine("fr", item({ kind: "condition", label: "Grossesse" }))).toBe("Antécédent : Grossesse");
  });

  it("builds the input: trimmed, severity only for allergies, empty date as null", () => {
    const f = { ...emptyMedicalForm("medication"), label: " Warfarine ", detail: " 5 mg ", severity: "high" as const };
    expect(medicalInputFromForm(f)).toEqual({
      kind: "medication", label: "Warfarine", detail: "5 mg", severity: null, alert: false, noted_on: null,
    });
    const a = { ...emptyMedicalForm(), label: "Latex", severity: "low" as const, alert: true, noted_on: "2024-01-02" };
    expect(medicalInputFromForm(a)).toMatchObject({ kind: "allergy", severity: "low", alert: true, noted_on: "2024-01-02" });
  });

  it("requires a label before sending", () => {
    expect(medicalClientErrors(emptyMedicalForm())).toEqual({ label: "pfield.required" });
    expect(medicalClientErrors({ ...emptyMedicalForm(), label: "x" })).toEqual({});
  });

  it("reads invalid_input messages", () => {
    expect(medicalFieldError("fr", "label: is empty")).toEqual({ field: "label", text: "Ce champ est obligatoire." });
    expect(medicalFieldError("en", "noted_on: 2999-01-01 is in the future")).toEqual({
      field: "noted_on", text: "The date is in the future.",
    });
    expect(medicalFieldError("en", "detail: is longer than 2000 characters")?.field).toBe("detail");
    expect(medicalFieldError("fr", "birth_date: is empty")).toBeNull();
    expect(medicalFieldError("fr", "something else")).toBeNull();
  });
});
