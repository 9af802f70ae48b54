import { describe, expect, it } from "vitest";
import type { ConsentRecord } from "./bindings";
import { CONSENT_KINDS, consentKindLabel, consentStateLine, consentVersionError, isGranted, statusByKind } from "./consents";
import { formatDay } from "./medical";

const rec = (over: Partial<ConsentRecord>): ConsentRecord => ({
  id: "c1", patient_id: "p1", kind: "sms_reminders", granted: true, text_version: "v1",
  recorded_by: "Dr Amina Benali", recorded_at_ms: Date.UTC(2025, 2, 14, 12), ...over,
});

describe("consent helpers", () => {
  it("names every kind in both languages", () => {
    expect(consentKindLabel("fr", "treatment")).toBe("Consentement aux soins");
    expect(consentKindLabel("fr", "data_processing")).toBe("Traitement des données personnelles");
    expect(consentKindLabel("fr", "sms_reminders")).toBe("Rappels par SMS");
    expect(consentKindLabel("fr", "email_reminders")).toBe("Rappels par e-mail");
    for (const k of CONSENT_KINDS) expect(consentKindLabel("en", k)).not.toMatch(/^consent\./);
    expect(consentKindLabel("fr", "other")).toBe("other");
  });

  it("gives one status per kind, in order, whatever was sent", () => {
    const s = statusByKind({ status: [{ kind: "email_reminders", current: rec({ kind: "email_reminders" }) }], history: [] });
    expect(s.map((x) => x.kind)).toEqual(["treatment", "data_processing", "sms_reminders", "email_reminders"]);
    expect(s.map(isGranted)).toEqual([false, false, false, true]);
    expect(statusByKind(null).every((x) => x.current === null)).toBe(true);
  });

  it("words the state line", () => {
    const date = formatDay(rec({}).recorded_at_ms);
    expect(consentStateLine("fr", null)).toBe("Non recueilli");
    expect(consentStateLine("fr", rec({}))).toBe(`Accordé le ${date} (version v1) par Dr Amina Benali`);
    expect(consentStateLine("fr", rec({ granted: false }))).toBe(`Retiré le ${date} par Dr Amina Benali`);
    expect(consentStateLine("en", null)).toBe("Not collected");
  });

  it("reads the text version errors", () => {
    expect(consentVersionError("fr", "text_version: is empty")).toBe("Ce champ est obligatoire.");
    expect(consentVersionError("fr", "kind: unknown kind \"x\"")).toBeNull();
  });
});
