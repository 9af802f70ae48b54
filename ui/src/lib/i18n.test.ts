import { describe, expect, it } from "vitest";
import type { Permission, Role } from "./bindings";
import { durationLabel, en, errorText, fr, KNOWN_ERROR_CODES, permissionLabel, roleLabel, translate } from "./i18n";

describe("i18n dictionaries", () => {
  it("fr and en have exactly the same keys", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
  });

  it("has no empty strings", () => {
    for (const [lang, dict] of Object.entries({ fr, en })) {
      for (const [key, value] of Object.entries(dict)) {
        expect(value.trim(), `${lang}:${key}`).not.toBe("");
      }
    }
  });

  it("uses the same placeholders in both languages", () => {
    const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(fr) as (keyof typeof fr)[]) {
      expect(placeholders(en[key]), key).toEqual(placeholders(fr[key]));
    }
  });

  it("names every role and permission", () => {
    const roles: Role[] = ["owner", "dentist", "assistant", "receptionist"];
    const perms: Permission[] = [
      "view_agenda", "edit_agenda", "view_patients", "edit_patients", "view_clinical", "edit_clinical",
      "prescribe", "view_imaging", "edit_imaging", "view_billing", "edit_billing", "view_reports",
      "export_patient_data", "erase_patient", "run_sync", "manage_users", "manage_devices",
      "manage_settings", "manage_backups", "view_audit",
    ];
    for (const lang of ["fr", "en"] as const) {
      for (const r of roles) expect(roleLabel(lang, r)).not.toMatch(/^role\./);
      for (const p of perms) expect(permissionLabel(lang, p)).not.toMatch(/^perm\./);
    }
  });

  it("fills placeholders", () => {
    expect(translate("fr", "overview.greeting", { name: "Amina" })).toBe("Bonjour, Amina");
    expect(translate("en", "overview.greeting", { name: "Amina" })).toBe("Hello, Amina");
  });
});

describe("errorText", () => {
  it("translates every known error code", () => {
    for (const code of KNOWN_ERROR_CODES) {
      const text = errorText("fr", { code, message: "x" });
      expect(text).not.toBe("");
      expect(text).not.toBe(`error.${code}`);
    }
    expect(errorText("fr", { code: "wrong_credentials", message: "Wrong username or password" })).toBe(
      "Identifiant ou mot de passe incorrect.",
    );
  });

  it("keeps the field name for invalid_input", () => {
    expect(errorText("en", { code: "invalid_input", message: "clinic_name is empty" })).toBe(
      "Invalid input: clinic_name is empty",
    );
  });

  it("falls back to the message for unknown codes", () => {
    expect(errorText("fr", { code: "printer_jammed", message: "Disk full" })).toBe("Disk full");
    expect(errorText("en", { code: "printer_jammed", message: "" })).toBe(en["error.unknown"]);
  });
});

describe("durationLabel", () => {
  it("labels the idle lock choices", () => {
    expect(durationLabel("fr", 30)).toBe("30 secondes");
    expect(durationLabel("fr", 60)).toBe("1 minute");
    expect(durationLabel("en", 300)).toBe("5 minutes");
    expect(durationLabel("en", 90)).toBe("90 seconds");
  });
});
