import { describe, expect, it } from "vitest";
import type { TimelineEntry } from "./bindings";
import { formatDay } from "./medical";
import {
  dayKey,
  dayLabel,
  groupByDay,
  isoTime,
  TIMELINE_KINDS,
  timelineIcon,
  timelineKindLabel,
  timelineTexts,
  timeOfDay,
} from "./timeline";

const at = (y: number, m: number, d: number, h = 12, min = 0) => new Date(y, m - 1, d, h, min).getTime();
const entry = (over: Partial<TimelineEntry>): TimelineEntry => ({
  at_ms: at(2025, 3, 14),
  kind: "allergy",
  ref_id: "m1",
  label: "Pénicilline",
  detail: "Urticaire",
  recorded_by: "Dr Amina Benali",
  ...over,
});

describe("timeline kinds", () => {
  it("names every known kind in both languages", () => {
    for (const k of TIMELINE_KINDS) {
      expect(timelineKindLabel("fr", k)).not.toMatch(/^timeline\./);
      expect(timelineKindLabel("en", k)).not.toMatch(/^timeline\./);
      expect(timelineIcon(k)).not.toBe("other");
    }
    expect(timelineKindLabel("fr", "file_created")).toBe("Dossier créé");
    expect(timelineKindLabel("fr", "consent_withdrawn")).toBe("Consentement retiré");
    expect(timelineKindLabel("en", "file_erased")).toBe("Identity erased (GDPR)");
  });

  it("shows a kind added by a later module with its raw code", () => {
    expect(timelineKindLabel("fr", "invoice_paid")).toBe("invoice_paid");
    expect(timelineIcon("invoice_paid")).toBe("other");
    expect(timelineTexts("en", entry({ kind: "visit", label: "Contrôle", detail: "" }))).toEqual({
      title: "visit",
      label: "Contrôle",
      detail: "",
    });
  });

  it("words each kind's label and detail", () => {
    expect(timelineTexts("fr", entry({}))).toEqual({ title: "Allergie", label: "Pénicilline", detail: "Urticaire" });
    expect(timelineTexts("fr", entry({ kind: "consent_granted", label: "sms_reminders", detail: "v2" }))).toEqual({
      title: "Consentement accordé",
      label: "Rappels par SMS",
      detail: "version v2",
    });
    expect(timelineTexts("en", entry({ kind: "consent_withdrawn", label: "data_processing", detail: "" }))).toEqual({
      title: "Consent withdrawn",
      label: "Personal data processing",
      detail: "",
    });
    expect(timelineTexts("fr", entry({ kind: "file_created", label: "K7Q-00042", detail: "" })).label).toBe("dossier K7Q-00042");
    expect(timelineTexts("en", entry({ kind: "file_erased", label: "K7Q-00042", detail: "" })).label).toBe("file K7Q-00042");
    expect(timelineTexts("fr", entry({ kind: "chart_charted", label: "36 MOD", detail: "restoration", recorded_by: "" }))).toEqual({
      title: "Noté au schéma dentaire",
      label: "Obturation, dent 36 MOD",
      detail: "",
    });
    expect(timelineTexts("en", entry({ kind: "chart_done", label: "46", detail: "crown" }))).toEqual({
      title: "Treatment done",
      label: "Crown, tooth 46",
      detail: "",
    });
    // A chart kind added by a later version is shown with its code.
    expect(timelineTexts("fr", entry({ kind: "chart_done", label: "11", detail: "veneer" })).label).toBe("veneer, dent 11");
    expect(timelineIcon("chart_charted")).toBe("tooth");
    expect(timelineIcon("chart_done")).toBe("tooth_done");
  });
});

describe("timeline dates", () => {
  it("reads local days and times", () => {
    expect(dayKey(at(2025, 3, 4, 9, 5))).toBe("2025-03-04");
    expect(timeOfDay(at(2025, 3, 4, 9, 5))).toBe("09:05");
    expect(timeOfDay(Number.NaN)).toBe("");
    expect(isoTime(Number.NaN)).toBe("");
    expect(isoTime(Date.UTC(2025, 0, 2))).toBe("2025-01-02T00:00:00.000Z");
  });

  it("says today and yesterday, else the date", () => {
    const now = at(2025, 3, 14, 10);
    expect(dayLabel("fr", at(2025, 3, 14, 8), now)).toBe("Aujourd'hui");
    expect(dayLabel("en", at(2025, 3, 13, 23, 59), now)).toBe("Yesterday");
    expect(dayLabel("fr", at(2025, 3, 12), now)).toBe(formatDay(at(2025, 3, 12)));
    // Across a month boundary.
    expect(dayLabel("en", at(2025, 2, 28), at(2025, 3, 1))).toBe("Yesterday");
  });

  it("groups by day, newest first", () => {
    const now = at(2025, 3, 14, 18);
    const entries = [
      entry({ ref_id: "a", at_ms: at(2025, 3, 12, 9) }),
      entry({ ref_id: "b", at_ms: at(2025, 3, 14, 9) }),
      entry({ ref_id: "c", at_ms: at(2025, 3, 14, 11) }),
      entry({ ref_id: "d", at_ms: at(2025, 3, 12, 9) }),
    ];
    const days = groupByDay("fr", entries, now);
    expect(days.map((d) => d.day)).toEqual(["2025-03-14", "2025-03-12"]);
    expect(days[0].label).toBe("Aujourd'hui");
    expect(days[0].entries.map((e) => e.ref_id)).toEqual(["c", "b"]);
    // Ties keep the order they came in.
    expect(days[1].entries.map((e) => e.ref_id)).toEqual(["a", "d"]);
    expect(groupByDay("fr", [], now)).toEqual([]);
  });
});
