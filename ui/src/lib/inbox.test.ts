import { describe, expect, it } from "vitest";
import type {
  Appointment,
  AttentionInbox,
  ChartContradiction,
  ChartEntry,
  DoubleBooking,
  DuplicatePair,
  EditConflictInfo,
  PatientRef,
} from "./bindings";
import { en, fr } from "./i18n";
import { formatDay } from "./medical";
import {
  badgeLabel,
  chartContradictionCountLabel,
  chartContradictionKey,
  chartNoteText,
  CONFLICT_FIELDS,
  compareConflicts,
  conflictBannerText,
  conflictCountLabel,
  conflictKey,
  conflictsOf,
  conflictSubject,
  contradictedTeeth,
  contradictedTeethText,
  contradictionChanges,
  contradictionReason,
  contradictionText,
  deviceLabel,
  distinctChartContradictions,
  distinctConflicts,
  distinctDoubleBookings,
  doubleBookingCountLabel,
  doubleBookingKey,
  fieldLabel,
  fileTabFor,
  groupByPatient,
  guarantorIds,
  inboxCount,
  inboxSummary,
  isEmptyValue,
  resolveRequest,
  strikeLabel,
  valueText,
  withoutChartContradiction,
  withoutChartEntry,
  withoutConflict,
  withoutDoubleBooking,
} from "./inbox";

const mohamed: PatientRef = { id: "p1", file_number: "K7Q-00001", last_name: "Benali", first_name: "Mohamed" };
const fatima: PatientRef = { id: "p4", file_number: "K7Q-00004", last_name: "Hadjadj", first_name: "Fatima-Zohra" };
const sarah: PatientRef = { id: "p13", file_number: "K7Q-00013", last_name: "Meziane", first_name: "Sarah" };
const sara: PatientRef = { id: "p17", file_number: "K7Q-00017", last_name: "Meziane", first_name: "Sara" };

function conflict(over: Partial<EditConflictInfo> = {}): EditConflictInfo {
  return {
    table: "patient",
    row_id: "p1",
    field: "notes",
    patient: mohamed,
    item_label: null,
    current_value: "Préfère les rendez-vous en fin de journée.",
    other_value: "Préfère les rendez-vous le matin.",
    other_device: "d2",
    other_device_name: "Fauteuil 1",
    other_hlc: "7301234567890123456",
    other_written_at_ms: 1000,
    kept_device_name: "Poste accueil",
    kept_written_at_ms: 2000,
    found_at_ms: 3000,
    ...over,
  };
}

const allergyLabel = (over: Partial<EditConflictInfo> = {}) =>
  conflict({
    table: "medical_item",
    row_id: "m1",
    field: "label",
    item_label: "Pénicilline",
    current_value: "Pénicilline",
    other_value: "Pénicillines (amoxicilline comprise)",
    ...over,
  });

const pair = (a: PatientRef, b: PatientRef): DuplicatePair => ({ a, b, reason: "phone", found_at_ms: 1000 });

const moved = (over: Partial<EditConflictInfo> = {}) =>
  conflict({
    table: "appointment",
    row_id: "a3",
    field: "starts_at",
    appointment_starts_at: "2026-11-25T10:00",
    current_value: "2026-11-25T10:00",
    other_value: "2026-11-25T11:30",
    ...over,
  });

const crownMaterial = (over: Partial<EditConflictInfo> = {}) =>
  conflict({
    table: "chart_entry",
    row_id: "ce3",
    field: "material",
    chart_entry: { tooth: "46", surfaces: "", kind: "crown" },
    current_value: "metal_ceramic",
    other_value: "zirconia",
    ...over,
  });

function booking(id: string, time: string, patient: PatientRef): Appointment {
  return {
    id, patient, chair_id: "ch2", chair_name: "Fauteuil 2", starts_at: `2026-11-25T${time}`, ends_at: `2026-11-25T${time}`,
    duration_min: 30, reason: "", status: "booked", booked_by_name: "Léa Martin", booked_at_ms: 0, overlaps_with: [], holds_chair: true,
  };
}
const double = (a: string, b: string): DoubleBooking => ({
  chair_id: "ch2", chair_name: "Fauteuil 2", first: booking(a, "14:00", mohamed), second: booking(b, "14:15", fatima), found_at_ms: 1,
});

describe("field labels", () => {
  it("reuse the patient form's and the medical history's labels", () => {
    expect(fieldLabel("fr", "patient", "notes")).toBe(fr["pform.notes"]);
    expect(fieldLabel("fr", "patient", "phones")).toBe("Téléphones");
    expect(fieldLabel("en", "patient", "birth_date")).toBe("Date of birth");
    expect(fieldLabel("fr", "patient", "national_id")).toBe("Numéro national");
    expect(fieldLabel("fr", "medical_item", "label")).toBe("Libellé");
    expect(fieldLabel("en", "medical_item", "severity")).toBe("Severity");
    expect(fieldLabel("fr", "medical_item", "noted_on")).toBe("Date de constat");
  });

  it("name every reviewed field in both languages", () => {
    for (const lang of ["fr", "en"] as const) {
      for (const [table, fields] of Object.entries(CONFLICT_FIELDS)) {
        for (const field of fields) {
          const label = fieldLabel(lang, table, field);
          expect(label, `${lang} ${table}.${field}`).not.toBe(field);
          expect(label).not.toMatch(/^[a-z]+\.[a-z_]+$/);
        }
      }
    }
    expect(fieldLabel("fr", "patient", "deleted")).toBe("État du dossier");
    expect(fieldLabel("fr", "medical_item", "deleted")).toBe("État de l'élément");
  });

  it("show a field or table this version does not know as sent", () => {
    expect(fieldLabel("fr", "patient", "shoe_size")).toBe("shoe_size");
    expect(fieldLabel("fr", "patient", "toString")).toBe("toString");
    expect(fieldLabel("en", "invoice", "amount")).toBe("amount");
  });

  it("name a medical-history entry's field with the entry", () => {
    expect(conflictSubject("fr", conflict())).toBe("Notes");
    expect(conflictSubject("fr", allergyLabel())).toBe("Libellé de « Pénicilline »");
    expect(conflictSubject("en", allergyLabel({ field: "severity" }))).toBe("Severity of “Pénicilline”");
    expect(conflictSubject("fr", allergyLabel({ item_label: null }))).toBe("Libellé d'un antécédent médical");
  });

  it("name an appointment's field with its time", () => {
    expect(fieldLabel("fr", "appointment", "chair_id")).toBe("Fauteuil");
    expect(fieldLabel("fr", "appointment", "duration_min")).toBe("Durée");
    expect(fieldLabel("en", "appointment", "practitioner_id")).toBe("Practitioner");
    expect(conflictSubject("fr", moved())).toBe("Heure du rendez-vous du 25/11/2026 10:00");
    expect(conflictSubject("en", moved({ field: "status" }))).toBe("Status of the appointment on 25/11/2026 10:00");
    expect(conflictSubject("fr", moved({ appointment_starts_at: undefined, field: "reason" }))).toBe("Motif d'un rendez-vous");
  });

  it("name a chart entry's field with its tooth, surfaces and kind", () => {
    expect(fieldLabel("fr", "chart_entry", "surfaces")).toBe("Faces");
    expect(fieldLabel("en", "chart_entry", "done_on")).toBe("Done on");
    expect(fieldLabel("fr", "chart_entry", "active")).toBe("État de l'entrée");
    expect(conflictSubject("fr", crownMaterial())).toBe("Schéma dentaire — dent 46, couronne : Matériau");
    const caries = { tooth: "36", surfaces: "MO", kind: "caries" as const };
    expect(conflictSubject("fr", crownMaterial({ field: "status", chart_entry: caries }))).toBe(
      "Schéma dentaire — dent 36 MO, carie : Statut",
    );
    expect(conflictSubject("en", crownMaterial({ field: "kind", chart_entry: caries }))).toBe("Dental chart — tooth 36 MO, caries: Kind");
    // An entry of a kind this version does not know comes without its reference.
    expect(conflictSubject("fr", crownMaterial({ chart_entry: undefined }))).toBe("Schéma dentaire : Matériau");
  });
});

describe("valueText", () => {
  it("words a chart entry's kind, status, material and state", () => {
    expect(valueText("fr", "chart_entry", "kind", "root_canal")).toBe("Traitement endodontique");
    expect(valueText("en", "chart_entry", "kind", "pontic")).toBe("Pontic");
    expect(valueText("fr", "chart_entry", "status", "planned")).toBe("Prévu");
    expect(valueText("fr", "chart_entry", "material", "metal_ceramic")).toBe("Céramo-métallique");
    expect(valueText("en", "chart_entry", "material", "glass_ionomer")).toBe("Glass ionomer");
    expect(valueText("fr", "chart_entry", "material", "")).toBe("(vide)");
    expect(valueText("fr", "chart_entry", "active", "1")).toBe("Actif");
    expect(valueText("fr", "chart_entry", "active", "0")).toBe("Barré");
    expect(valueText("fr", "chart_entry", "surfaces", "MOD")).toBe("MOD");
    expect(valueText("fr", "chart_entry", "done_on", "2026-03-02")).toBe("02/03/2026");
    // Codes a later version adds are shown as sent.
    expect(valueText("fr", "chart_entry", "kind", "veneer")).toBe("veneer");
    expect(valueText("fr", "chart_entry", "material", "gold")).toBe("gold");
  });

  it("shows an empty value as such", () => {
    expect(valueText("fr", "patient", "notes", "")).toBe("(vide)");
    expect(valueText("en", "patient", "email", "  ")).toBe("(empty)");
    expect(isEmptyValue(" ")).toBe(true);
    expect(isEmptyValue("x")).toBe(false);
  });

  it("says whether a file or an entry is deleted", () => {
    expect(valueText("fr", "patient", "deleted", "1")).toBe("supprimé");
    expect(valueText("fr", "patient", "deleted", "0")).toBe("présent");
    expect(valueText("en", "medical_item", "deleted", "1")).toBe("deleted");
    expect(valueText("en", "medical_item", "deleted", "0")).toBe("present");
  });

  it("says the sex in words", () => {
    expect(valueText("fr", "patient", "sex", "F")).toBe("Femme");
    expect(valueText("fr", "patient", "sex", "M")).toBe("Homme");
    expect(valueText("en", "patient", "sex", "X")).toBe("Other");
    expect(valueText("en", "patient", "sex", "Q")).toBe("Q");
  });

  it("says yes or no for a medical entry's alert and activity", () => {
    expect(valueText("fr", "medical_item", "alert", "1")).toBe("Oui");
    expect(valueText("fr", "medical_item", "alert", "0")).toBe("Non");
    expect(valueText("en", "medical_item", "active", "1")).toBe("Yes");
    expect(valueText("en", "medical_item", "active", "0")).toBe("No");
  });

  it("shows dates as typed, and a year alone as it is", () => {
    expect(valueText("fr", "patient", "birth_date", "1985-03-14")).toBe("14/03/1985");
    expect(valueText("fr", "medical_item", "noted_on", "2019-06-03")).toBe("03/06/2019");
    expect(valueText("fr", "patient", "birth_date", "1971")).toBe("1971");
  });

  it("groups phones for reading, one per line", () => {
    expect(valueText("fr", "patient", "phones", "+213550445566, +213661778899")).toBe("+213 550 44 55 66\n+213 661 77 88 99");
    expect(valueText("fr", "patient", "phones", "+33612345678")).toBe("+33 6 12 34 56 78");
  });

  it("names codes in words: national number, relation, kind, severity", () => {
    expect(valueText("fr", "patient", "national_id_kind", "dz_cnas")).toBe("N° CNAS / Chifa (DZ)");
    expect(valueText("en", "patient", "guarantor_relation", "parent")).toBe("Parent");
    expect(valueText("fr", "patient", "guarantor_relation", "spouse")).toBe("Conjoint(e)");
    expect(valueText("fr", "medical_item", "kind", "allergy")).toBe("Allergie");
    expect(valueText("fr", "medical_item", "severity", "high")).toBe("sévère");
    expect(valueText("fr", "medical_item", "severity", "extreme")).toBe("extreme");
  });

  it("names the guarantor's file once known", () => {
    const refs = new Map([["p13", sarah]]);
    expect(valueText("fr", "patient", "guarantor_id", "p13", refs)).toBe("K7Q-00013 MEZIANE Sarah");
    expect(valueText("fr", "patient", "guarantor_id", "p99", refs)).toBe("un autre dossier");
    expect(valueText("en", "patient", "guarantor_id", "")).toBe("(empty)");
    expect(guarantorIds([conflict({ field: "guarantor_id", current_value: "p13", other_value: "" }), conflict()])).toEqual(["p13"]);
  });

  it("shows text fields as typed", () => {
    expect(valueText("fr", "patient", "notes", "Ligne 1\nLigne 2")).toBe("Ligne 1\nLigne 2");
    expect(valueText("fr", "medical_item", "label", "Pénicilline")).toBe("Pénicilline");
    // "sex" and "alert" mean something only on their own table.
    expect(valueText("fr", "medical_item", "sex", "F")).toBe("F");
    expect(valueText("fr", "patient", "alert", "1")).toBe("1");
  });
});

describe("valueText of an appointment", () => {
  it("says the status in words, the time and length as the agenda does", () => {
    expect(valueText("fr", "appointment", "status", "no_show")).toBe("Absent");
    expect(valueText("en", "appointment", "status", "cancelled")).toBe("Cancelled");
    expect(valueText("fr", "appointment", "status", "someday")).toBe("someday");
    expect(valueText("fr", "appointment", "starts_at", "2026-11-25T11:30")).toBe("25/11/2026 11:30");
    expect(valueText("fr", "appointment", "duration_min", "90")).toBe("1 h 30");
    expect(valueText("fr", "appointment", "reason", "Extraction 48")).toBe("Extraction 48");
    expect(valueText("fr", "appointment", "reason", " ")).toBe(fr["inbox.empty"]);
  });

  it("names the chair and the patient when known, else shows them as sent", () => {
    const chairs = new Map([["ch2", "Fauteuil 2"]]);
    const refs = new Map([["p4", fatima]]);
    expect(valueText("fr", "appointment", "chair_id", "ch2", refs, chairs)).toBe("Fauteuil 2");
    expect(valueText("fr", "appointment", "chair_id", "ch9", refs, chairs)).toBe("ch9");
    expect(valueText("fr", "appointment", "patient_id", "p4", refs, chairs)).toBe("K7Q-00004 HADJADJ Fatima-Zohra");
    expect(valueText("fr", "appointment", "practitioner_id", "u1", refs, chairs)).toBe("u1");
    expect(guarantorIds([moved({ field: "patient_id", current_value: "p4", other_value: "p1" })])).toEqual(["p4", "p1"]);
  });
});

describe("double bookings", () => {
  it("count each pair once, whichever way round, and drop a settled one", () => {
    const list = [double("a7", "a8"), double("a7", "a8"), double("a1", "a2")];
    expect(distinctDoubleBookings(list)).toHaveLength(2);
    expect(distinctDoubleBookings(undefined)).toEqual([]);
    expect(doubleBookingKey("a8", "a7")).toBe(doubleBookingKey("a7", "a8"));
    expect(withoutDoubleBooking(list, "a8", "a7").map((d) => d.first.id)).toEqual(["a1"]);
  });

  it("count on the badge and in the notice", () => {
    const inbox: AttentionInbox = {
      duplicates: [], edit_conflicts: [conflict()], double_bookings: [double("a7", "a8")], chart_contradictions: [],
    };
    expect(inboxCount(inbox)).toBe(2);
    expect(inboxSummary("fr", inbox)).toBe("1 modification simultanée · 1 double réservation");
    expect(inboxSummary("en", { ...inbox, edit_conflicts: [] })).toBe("1 double booking");
    expect(doubleBookingCountLabel("fr", 2)).toBe("2 doubles réservations");
  });
});

describe("chart contradictions", () => {
  // Local noon, so that the day shown is the day meant whatever the time zone.
  const on = (day: number) => new Date(2026, 10, day, 12).getTime();
  const entry = (over: Partial<ChartEntry>): ChartEntry => ({
    id: "ce31", patient_id: "p1", tooth: "36", surfaces: "", kind: "caries", status: "existing", material: null, note: "",
    done_on: null, done_by: null, recorded_by: "Karim Haddad", recorded_at_ms: on(24), active: true, settled_by: null, ...over,
  });
  const caries = entry({ surfaces: "MOD" });
  const missing = entry({ id: "ce4", kind: "missing", recorded_by: "Dr Amina Benali", recorded_at_ms: on(23) });
  const contradiction = (over: Partial<ChartContradiction> = {}): ChartContradiction => ({
    patient: mohamed, tooth: "36", entry: caries, because_of: missing, reason: "tooth_absent", found_at_ms: 1, ...over,
  });

  it("say what was charted on the tooth, by whom and when, in both languages", () => {
    // Dates as the chart shows them (formatDay), the day charted.
    expect(formatDay(on(24))).toBe("24/11/2026");
    expect(contradictionText("fr", contradiction())).toBe(
      "Carie MOD, notée par Karim Haddad le 24/11/2026, sur une dent notée absente par Dr Amina Benali le 23/11/2026.",
    );
    expect(contradictionText("en", contradiction())).toBe(
      "Caries MOD, charted by Karim Haddad on 24/11/2026, on a tooth charted missing by Dr Amina Benali on 23/11/2026.",
    );
    // The French agrees with the kind, and says a planned or done status after it.
    const canal = entry({ kind: "root_canal", status: "done", done_on: "2026-11-24" });
    const implant = entry({ id: "ce15", kind: "implant", status: "done", recorded_by: "Dr Amina Benali", recorded_at_ms: on(2) });
    expect(contradictionText("fr", contradiction({ entry: canal, because_of: implant, reason: "on_implant" }))).toBe(
      "Traitement endodontique réalisé, noté par Karim Haddad le 24/11/2026, sur une dent remplacée par un implant, noté par Dr Amina Benali le 02/11/2026.",
    );
    const restoration = entry({ kind: "restoration", surfaces: "MO", status: "planned" });
    const pontic = entry({ id: "ce17", kind: "pontic", recorded_by: "" });
    expect(contradictionText("fr", contradiction({ entry: restoration, because_of: pontic, reason: "on_pontic" }))).toBe(
      "Obturation MO prévue, notée par Karim Haddad le 24/11/2026, sur une dent remplacée par un intermédiaire de bridge, noté par ? le 24/11/2026.",
    );
    expect(contradictionText("en", contradiction({ entry: restoration, because_of: pontic, reason: "on_pontic" }))).toBe(
      "Restoration MO planned, charted by Karim Haddad on 24/11/2026, on a tooth replaced by a pontic, charted by ? on 24/11/2026.",
    );
  });

  it("say a done extraction by who did it and when, and anything newer by its words", () => {
    const extraction = entry({
      id: "ce12", kind: "extraction", status: "done", done_on: "2026-11-20", done_by: "Dr Amina Benali", recorded_at_ms: on(1),
    });
    expect(contradictionText("fr", contradiction({ because_of: extraction }))).toBe(
      "Carie MOD, notée par Karim Haddad le 24/11/2026, sur une dent extraite par Dr Amina Benali le 20/11/2026.",
    );
    // Done before the software knew who did it: who charted it.
    expect(contradictionText("en", contradiction({ because_of: { ...extraction, done_by: null } }))).toBe(
      "Caries MOD, charted by Karim Haddad on 24/11/2026, on a tooth extracted by Karim Haddad on 20/11/2026.",
    );
    const newer = entry({ id: "ce40", kind: "bridge" as ChartEntry["kind"] });
    expect(contradictionText("fr", contradiction({ because_of: newer }))).toBe(
      "Carie MOD, notée par Karim Haddad le 24/11/2026, sur une dent où est aussi noté : bridge (Karim Haddad, 24/11/2026).",
    );
  });

  it("say why both cannot be true as the chart's form does, without its advice", () => {
    expect(contradictionReason("fr", contradiction())).toBe("Carie impossible sur la dent 36 : elle est notée absente ou extraite.");
    expect(contradictionReason("en", contradiction({ tooth: "16", entry: entry({ tooth: "16", kind: "root_canal" }), reason: "on_implant" }))).toBe(
      "Root canal not possible on tooth 16: it is replaced by an implant, and this concerns a natural tooth.",
    );
    expect(contradictionReason("fr", contradiction({ reason: "on_pontic" }))).toBe(
      "Carie impossible sur la dent 36 : elle est remplacée par un intermédiaire de bridge, et cela concerne une dent naturelle.",
    );
    expect(contradictionReason("fr", contradiction({ reason: "newer_rule" }))).toBeNull();
  });

  it("name the entry each button strikes out by its kind", () => {
    const implant = entry({ kind: "implant" });
    expect(strikeLabel("fr", caries, missing)).toBe("Barrer la carie");
    expect(strikeLabel("fr", missing, caries)).toBe("Barrer « Absente »");
    expect(strikeLabel("fr", implant, caries)).toBe("Barrer l'implant");
    expect(strikeLabel("fr", entry({ kind: "root_canal" }), implant)).toBe("Barrer le traitement endodontique");
    expect(strikeLabel("fr", entry({ kind: "restoration" }), implant)).toBe("Barrer l'obturation");
    expect(strikeLabel("fr", entry({ kind: "pontic" }), caries)).toBe("Barrer l'intermédiaire de bridge");
    expect(strikeLabel("fr", entry({ kind: "sealant" }), implant)).toBe("Barrer le scellement de sillons");
    expect(strikeLabel("en", caries, missing)).toBe("Strike out the caries");
    expect(strikeLabel("en", missing, caries)).toBe("Strike out “Missing”");
    // Two extractions (one planned on a tooth extracted since): told apart by their status.
    const planned = entry({ kind: "extraction", status: "planned" });
    const done = entry({ kind: "extraction", status: "done" });
    expect(strikeLabel("fr", planned, done)).toBe("Barrer l'extraction prévue");
    expect(strikeLabel("fr", done, planned)).toBe("Barrer l'extraction réalisée");
    expect(strikeLabel("en", planned, done)).toBe("Strike out the extraction planned");
  });

  it("name each entry's note by the entry", () => {
    expect(chartNoteText("fr", entry({ surfaces: "O", note: " Sensible au froid " }))).toBe("Note (carie O) : Sensible au froid");
    expect(chartNoteText("en", entry({ kind: "missing", note: "Extracted elsewhere" }))).toBe("Note (missing): Extracted elsewhere");
    expect(chartNoteText("fr", entry({ note: "  " }))).toBeNull();
  });

  it("count each once on the badge and in the notice, and drop one settled or struck out", () => {
    const implant = entry({ id: "ce15", kind: "implant", tooth: "16" });
    const onImplant = contradiction({ tooth: "16", entry: entry({ id: "ce33", kind: "root_canal", tooth: "16" }), because_of: implant });
    const list = [contradiction(), contradiction({ found_at_ms: 9 }), onImplant];
    expect(distinctChartContradictions(list)).toHaveLength(2);
    expect(distinctChartContradictions(undefined)).toEqual([]);
    // Not a pair: which entry does not fit matters.
    expect(chartContradictionKey("ce31", "ce4")).not.toBe(chartContradictionKey("ce4", "ce31"));
    expect(withoutChartContradiction(list, "ce31", "ce4")).toEqual([onImplant]);
    expect(withoutChartContradiction(list, "ce4", "ce31")).toHaveLength(3);
    expect(withoutChartEntry(list, "ce15")).toHaveLength(2);
    expect(withoutChartEntry(list, "ce4")).toEqual([onImplant]);

    const inbox: AttentionInbox = { duplicates: [], edit_conflicts: [conflict()], double_bookings: [], chart_contradictions: list };
    expect(inboxCount(inbox)).toBe(3);
    expect(inboxSummary("fr", inbox)).toBe("1 modification simultanée · 2 contradictions du schéma dentaire");
    expect(inboxSummary("en", { ...inbox, edit_conflicts: [], chart_contradictions: [onImplant] })).toBe("1 dental chart contradiction");
    expect(chartContradictionCountLabel("fr", 1)).toBe("1 contradiction du schéma dentaire");
    expect(chartContradictionCountLabel("en", 2)).toBe("2 dental chart contradictions");
    // An older Rust side sends none.
    expect(inboxCount({ duplicates: [], edit_conflicts: [], double_bookings: [] } as unknown as AttentionInbox)).toBe(0);
  });

  it("count a chart's teeth for its notice, each once, and mark them", () => {
    const fracture = contradiction({ entry: entry({ id: "ce32", kind: "fracture" }) });
    const onImplant = contradiction({ tooth: "16", entry: entry({ id: "ce33", tooth: "16", kind: "root_canal" }), reason: "on_implant" });
    // Two contradictions on 36 are one tooth.
    expect(contradictedTeeth([contradiction(), fracture, onImplant])).toEqual(["36", "16"]);
    expect(contradictedTeeth(undefined)).toEqual([]);
    expect(contradictedTeethText("fr", 1)).toBe(
      "1 dent porte des entrées qui se contredisent, notées à deux postes séparés : barrez celle qui est fausse, ou gardez les deux telles qu'elles ont été notées.",
    );
    expect(contradictedTeethText("fr", 2)).toMatch(/^2 dents portent des entrées qui se contredisent/);
    expect(contradictedTeethText("en", 1)).toBe(
      "1 tooth holds entries that contradict each other, charted at two computers apart: strike out the one that is wrong, or keep both as charted.",
    );
    expect(contradictedTeethText("en", 2)).toMatch(/^2 teeth hold entries/);
  });

  it("tell what a write in the chart settled or brought back, for the inbox to follow", () => {
    const onImplant = contradiction({ tooth: "16", entry: entry({ id: "ce33", tooth: "16", kind: "root_canal" }), reason: "on_implant" });
    // The same contradiction read again (found later, say) is no change.
    expect(contradictionChanges([contradiction()], [contradiction({ found_at_ms: 9 })])).toEqual({ gone: [], came: [] });
    expect(contradictionChanges([contradiction(), onImplant], [onImplant])).toEqual({ gone: [contradiction()], came: [] });
    expect(contradictionChanges([onImplant], [contradiction(), onImplant])).toEqual({ gone: [], came: [contradiction()] });
    expect(contradictionChanges(undefined, [])).toEqual({ gone: [], came: [] });
  });
});

describe("conflict keys and requests", () => {
  it("name a conflict by its table, row, field and lost write", () => {
    const a = conflict();
    expect(conflictKey(a)).toBe(conflictKey(conflict({ current_value: "other", found_at_ms: 9 })));
    expect(conflictKey(a)).not.toBe(conflictKey({ ...a, other_hlc: "7301234567890123457" }));
    expect(conflictKey(a)).not.toBe(conflictKey({ ...a, other_device: "d3" }));
    expect(resolveRequest(a, "take_other")).toEqual({
      table: "patient",
      row_id: "p1",
      field: "notes",
      other_device: "d2",
      other_hlc: "7301234567890123456",
      choice: "take_other",
      allow_overlap: false,
    });
    expect(resolveRequest(a, "take_other", true).allow_overlap).toBe(true);
  });

  it("drop a decided conflict and duplicates", () => {
    const a = conflict();
    const b = conflict({ field: "phones" });
    expect(distinctConflicts([a, b, { ...a }])).toEqual([a, b]);
    expect(withoutConflict([a, b], conflictKey(a))).toEqual([b]);
  });
});

describe("grouping and sorting", () => {
  it("groups by patient, the newest found first", () => {
    const notes = conflict({ found_at_ms: 5000 });
    const phones = conflict({ row_id: "p4", patient: fatima, field: "phones", found_at_ms: 9000 });
    const label = allergyLabel({ found_at_ms: 1000 });
    const groups = groupByPatient([notes, phones, label]);
    expect(groups.map((g) => g.patient.id)).toEqual(["p4", "p1"]);
    expect(groups[0].latest_found_ms).toBe(9000);
    expect(groups[1].conflicts).toEqual([notes, label]);
    expect(groups[1].latest_found_ms).toBe(5000);
  });

  it("puts a file's fields in the form's order, then its medical entries by label", () => {
    const notes = conflict();
    const lastName = conflict({ field: "last_name" });
    const phones = conflict({ field: "phones" });
    const latex = allergyLabel({ row_id: "m5", item_label: "Latex" });
    const penicillinSeverity = allergyLabel({ field: "severity" });
    const penicillinLabel = allergyLabel();
    const sorted = [latex, notes, penicillinSeverity, phones, penicillinLabel, lastName].sort(compareConflicts);
    expect(sorted).toEqual([lastName, phones, notes, latex, penicillinLabel, penicillinSeverity]);
  });

  it("puts the chart entries after the medical history, by tooth, before the appointments", () => {
    const crown = crownMaterial();
    const caries = crownMaterial({ row_id: "ce1", field: "status", chart_entry: { tooth: "36", surfaces: "M", kind: "caries" } });
    const cariesNote = crownMaterial({ row_id: "ce1", field: "note", chart_entry: { tooth: "36", surfaces: "M", kind: "caries" } });
    const appointment = moved();
    const label = allergyLabel();
    expect([appointment, crown, cariesNote, label, caries].sort(compareConflicts)).toEqual([label, caries, cariesNote, crown, appointment]);
  });

  it("puts a file's appointments after its medical entries, by time", () => {
    const late = moved({ row_id: "a9", appointment_starts_at: "2026-11-25T16:00" });
    const early = moved();
    const label = allergyLabel();
    const notes = conflict();
    expect([late, early, label, notes].sort(compareConflicts)).toEqual([notes, label, early, late]);
  });

  it("keeps two lost values of one field oldest first", () => {
    const later = conflict({ other_device: "d3", other_hlc: "2", other_written_at_ms: 1500 });
    const earlier = conflict();
    expect([later, earlier].sort(compareConflicts)).toEqual([earlier, later]);
  });

  it("breaks ties between patients by name", () => {
    const a = conflict({ row_id: "p13", patient: sarah });
    const b = conflict({ row_id: "p4", patient: fatima });
    expect(groupByPatient([a, b]).map((g) => g.patient.id)).toEqual(["p4", "p13"]);
  });

  it("opens a file on its chart when only chart entries wait in it", () => {
    expect(fileTabFor([crownMaterial()])).toBe("chart");
    expect(fileTabFor([crownMaterial(), conflict()])).toBe("file");
    expect(fileTabFor([allergyLabel()])).toBe("file");
    expect(fileTabFor([moved()])).toBe("file");
    expect(fileTabFor([])).toBe("file");
  });

  it("finds one patient's conflicts", () => {
    const notes = conflict();
    const phones = conflict({ row_id: "p4", patient: fatima, field: "phones" });
    const label = allergyLabel();
    expect(conflictsOf([label, phones, notes], "p1")).toEqual([notes, label]);
    expect(conflictsOf(null, "p1")).toEqual([]);
    expect(conflictsOf([phones], "p1")).toEqual([]);
  });
});

describe("counts and texts", () => {
  const inbox: AttentionInbox = {
    duplicates: [pair(sarah, sara), pair(sara, sarah)],
    edit_conflicts: [conflict(), allergyLabel(), conflict()],
    double_bookings: [],
    chart_contradictions: [],
  };

  it("counts each pair and each conflict once", () => {
    expect(inboxCount(inbox)).toBe(3);
    expect(inboxCount(null)).toBe(0);
    expect(inboxCount({ duplicates: [], edit_conflicts: [], double_bookings: [], chart_contradictions: [] })).toBe(0);
  });

  it("says the counts in both languages", () => {
    expect(badgeLabel("fr", 1)).toBe("1 en attente");
    expect(badgeLabel("en", 3)).toBe("3 waiting");
    expect(conflictCountLabel("fr", 1)).toBe("1 modification simultanée");
    expect(conflictCountLabel("fr", 2)).toBe("2 modifications simultanées");
    expect(conflictCountLabel("en", 1)).toBe("1 concurrent edit");
    expect(conflictCountLabel("en", 2)).toBe("2 concurrent edits");
    expect(inboxSummary("fr", inbox)).toBe("2 modifications simultanées · 1 doublon possible");
    expect(inboxSummary("en", { duplicates: [], edit_conflicts: [conflict()], double_bookings: [], chart_contradictions: [] })).toBe(
      "1 concurrent edit",
    );
    expect(inboxSummary("en", null)).toBe("");
  });

  it("lists a file's waiting fields on its banner", () => {
    expect(conflictBannerText("fr", [])).toBe("");
    expect(conflictBannerText("fr", [conflict()])).toBe("Modifié en même temps à deux postes, à vérifier : Notes");
    expect(conflictBannerText("en", [conflict(), allergyLabel()])).toBe(
      "2 changes made at two desks at the same time, to review: Notes, Label of “Pénicilline”",
    );
    // Two lost values of one field name it once.
    expect(conflictBannerText("fr", [conflict(), conflict({ other_device: "d3" })])).toBe(
      "2 modifications faites en même temps à deux postes, à vérifier : Notes",
    );
  });

  it("names an unknown device", () => {
    expect(deviceLabel("fr", "Fauteuil 1")).toBe("Fauteuil 1");
    expect(deviceLabel("fr", " ")).toBe("un autre poste");
    expect(deviceLabel("en", "")).toBe("another computer");
  });

  it("has every inbox text in both languages", () => {
    const keys = Object.keys(fr).filter((k) => k.startsWith("inbox."));
    expect(keys.length).toBeGreaterThan(20);
    for (const k of keys) expect(en[k as keyof typeof en], k).toBeTruthy();
  });
});
