import { afterEach, describe, expect, it, vi } from "vitest";
import * as api from "./api";
import { invoke } from "@tauri-apps/api/core";

describe("toApiError", () => {
  it("keeps ApiError objects from the Rust side", () => {
    expect(api.toApiError({ code: "wrong_passphrase", message: "Wrong passphrase" })).toEqual({
      code: "wrong_passphrase",
      message: "Wrong passphrase",
    });
  });
  it("keeps the finer reason, which picks the words the sync panel shows", () => {
    const refused = { code: "sync_not_ready", message: "the relay does not know this PC", reason: "unknown_to_relay" };
    expect(api.toApiError(refused)).toEqual(refused);
    expect(api.toApiError({ code: "internal", message: "m", reason: 7 })).toEqual({ code: "internal", message: "m" });
  });
  it("wraps strings, Errors and anything else as internal", () => {
    expect(api.toApiError("boom")).toEqual({ code: "internal", message: "boom" });
    expect(api.toApiError(new TypeError("no ipc"))).toEqual({ code: "internal", message: "no ipc" });
    expect(api.toApiError(undefined)).toEqual({ code: "internal", message: "undefined" });
  });
});

describe("command wrappers", () => {
  afterEach(() => api.setInvoker(invoke));

  it("send the command name and wrap the argument as `request`", async () => {
    const calls: [string, unknown][] = [];
    api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      return {};
    }) as api.Invoker);
    await api.appStatus();
    await api.signIn({ username: "a", password: "b" });
    await api.updateSettings({ language: "en", idle_lock_seconds: 60 });
    await api.addUser({ username: "u", display_name: "U", role: "assistant", password: "p" });
    expect(calls).toEqual([
      ["app_status", undefined],
      ["sign_in", { request: { username: "a", password: "b" } }],
      ["update_settings", { request: { language: "en", idle_lock_seconds: 60 } }],
      ["add_user", { request: { username: "u", display_name: "U", role: "assistant", password: "p" } }],
    ]);
  });

  it("send the patient commands' arguments by the Rust names", async () => {
    const calls: [string, unknown][] = [];
    api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      return {};
    }) as api.Invoker);
    const input = {
      last_name: "Benali", first_name: "Mohamed", birth_date: "1985-03-14", sex: "M", phones: [], email: null,
      address: "", national_id_kind: null, national_id: null, referring_dentist: "", notes: "", allow_duplicate: false,
      guarantor_id: "p2", guarantor_relation: "parent",
    };
    await api.searchPatients("ben moh");
    await api.getPatient("p1");
    await api.addPatient(input);
    await api.editPatient("p1", input);
    expect(calls).toEqual([
      ["search_patients", { query: "ben moh" }],
      ["get_patient", { id: "p1" }],
      ["add_patient", { request: input }],
      ["edit_patient", { id: "p1", request: input }],
    ]);
  });

  it("send the medical history commands' arguments by the Rust names", async () => {
    const calls: [string, unknown][] = [];
    api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      return { items: [], alerts: [] };
    }) as api.Invoker);
    const input = {
      kind: "allergy" as const, label: "Pénicilline", detail: "", severity: "high" as const, alert: true, noted_on: null,
    };
    await api.medicalHistory("p1");
    await api.addMedicalItem("p1", input);
    await api.setMedicalItemActive("m1", false);
    expect(calls).toEqual([
      ["medical_history", { id: "p1" }],
      ["add_medical_item", { id: "p1", request: input }],
      ["set_medical_item_active", { item: "m1", active: false }],
    ]);
  });

  it("send the consent commands' arguments by the Rust names", async () => {
    const calls: [string, unknown][] = [];
    api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      return { status: [], history: [] };
    }) as api.Invoker);
    const input = { kind: "sms_reminders" as const, granted: true, text_version: "v1" };
    await api.consents("p1");
    await api.recordConsent("p1", input);
    await api.recordConsent("p1", { ...input, granted: false });
    expect(calls).toEqual([
      ["consents", { id: "p1" }],
      ["record_consent", { id: "p1", request: input }],
      ["record_consent", { id: "p1", request: { kind: "sms_reminders", granted: false, text_version: "v1" } }],
    ]);
  });

  it("send the GDPR, timeline, guarantor and photo commands' arguments by the Rust names", async () => {
    const calls: [string, unknown][] = [];
    api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      return null;
    }) as api.Invoker);
    await api.exportPatientFhir("p1");
    await api.erasePatient("p1");
    await api.patientTimeline("p1");
    await api.patientDependents("p1");
    await api.patientPhoto("p1");
    await api.setPatientPhoto("p1", "/9j/4AAQ");
    await api.removePatientPhoto("p1");
    expect(calls).toEqual([
      ["export_patient_fhir", { id: "p1" }],
      ["erase_patient", { id: "p1" }],
      ["patient_timeline", { id: "p1" }],
      ["patient_dependents", { id: "p1" }],
      ["patient_photo", { id: "p1" }],
      ["set_patient_photo", { id: "p1", photo: "/9j/4AAQ" }],
      ["remove_patient_photo", { id: "p1" }],
    ]);
  });

  it("send the duplicate review commands' arguments by the Rust names", async () => {
    const calls: [string, unknown][] = [];
    api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      return cmd === "duplicate_pairs" ? [] : null;
    }) as api.Invoker);
    expect(await api.duplicatePairs()).toEqual([]);
    expect(await api.markDistinct("p13", "p17")).toBeNull();
    expect(calls).toEqual([
      ["duplicate_pairs", undefined],
      ["mark_distinct", { a: "p13", b: "p17" }],
    ]);
  });

  it("send the merge commands' arguments by the Rust names (`req` for merge_preview and merge_patients)", async () => {
    const calls: [string, unknown][] = [];
    api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      if (cmd === "merge_preview") return { details: [], phones: [], takes_photo: false };
      return { id: cmd === "merge_patients" ? "p13" : "p17" };
    }) as api.Invoker);
    expect(await api.mergePreview({ first_id: "p13", second_id: "p17", kept_id: null })).toEqual({
      details: [],
      phones: [],
      takes_photo: false,
    });
    await api.mergePreview({ first_id: "p13", second_id: "p17", kept_id: "p17" });
    const req = { kept_id: "p13", retired_id: "p17", take_from_retired: ["email", "national_id"] };
    expect(await api.mergePatients(req)).toEqual({ id: "p13" });
    expect(await api.separatePatient("p17")).toEqual({ id: "p17" });
    expect(calls).toEqual([
      ["merge_preview", { req: { first_id: "p13", second_id: "p17", kept_id: null } }],
      ["merge_preview", { req: { first_id: "p13", second_id: "p17", kept_id: "p17" } }],
      ["merge_patients", { req: { kept_id: "p13", retired_id: "p17", take_from_retired: ["email", "national_id"] } }],
      ["separate_patient", { id: "p17" }],
    ]);
  });

  it("send the inbox commands' arguments by the Rust names", async () => {
    const calls: [string, unknown][] = [];
    const inbox = { duplicates: [], edit_conflicts: [] };
    api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      return cmd.startsWith("attention_inbox") ? inbox : null;
    }) as api.Invoker);
    const request = {
      table: "patient", row_id: "p1", field: "notes", other_device: "d2", other_hlc: "7301234567890123456",
      choice: "take_other" as const,
      allow_overlap: false,
    };
    expect(await api.attentionInbox()).toEqual(inbox);
    expect(await api.attentionInboxRefresh()).toEqual(inbox);
    expect(await api.resolveEditConflict(request)).toBeNull();
    expect(calls).toEqual([
      ["attention_inbox", undefined],
      ["attention_inbox_refresh", undefined],
      ["resolve_edit_conflict", { request }],
    ]);
  });

  it("send the sync and device commands' arguments by the Rust names", async () => {
    const calls: [string, unknown][] = [];
    api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      return null;
    }) as api.Invoker);
    await api.syncNow("https://relais.example");
    await api.syncNow(null);
    await api.endOfDay();
    await api.listDevices();
    await api.deviceInvite(null);
    await api.pendingDevices();
    await api.approveDevice("d3");
    await api.refuseDevice("d4");
    await api.revokeDevice("d2");
    await api.recoveryKey();
    await api.renewRecoveryKey();
    await api.rejoinWithCode("https://relais.example", "K7QX-M2PD");
    expect(calls).toEqual([
      ["sync_now", { relay: "https://relais.example" }],
      ["sync_now", { relay: null }],
      ["end_of_day", undefined],
      ["list_devices", undefined],
      ["device_invite", { relay: null }],
      ["pending_devices", undefined],
      ["approve_device", { id: "d3" }],
      ["refuse_device", { id: "d4" }],
      ["revoke_device", { id: "d2" }],
      ["recovery_key", undefined],
      ["renew_recovery_key", undefined],
      ["rejoin_with_code", { relay: "https://relais.example", code: "K7QX-M2PD" }],
    ]);
  });

  it("send the background sync and joining commands' arguments by the Rust names", async () => {
    const calls: [string, unknown][] = [];
    api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      return cmd === "join_clinic" ? "3F2A-91C4-07BE" : null;
    }) as api.Invoker);
    const join = { relay_url: "https://relais.example", code: "K7QX-M2PD", device_name: "Fauteuil 2", passphrase: null };
    const restore = { relay_url: "https://relais.example", recovery_key: "AGRAM-Q42XF", device_name: "Fauteuil 2", passphrase: "long enough" };
    await api.syncStatus();
    expect(await api.joinClinic(join)).toBe("3F2A-91C4-07BE");
    await api.restoreClinic(restore);
    await api.checkJoining();
    await api.cancelJoining();
    expect(calls).toEqual([
      ["sync_status", undefined],
      ["join_clinic", { request: join }],
      ["restore_clinic", { request: restore }],
      ["check_joining", undefined],
      ["cancel_joining", undefined],
    ]);
  });

  it("send the imaging commands' arguments by the Rust names (camelCase for snake_case)", async () => {
    const calls: [string, unknown][] = [];
    api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      return null;
    }) as api.Invoker);
    const importRequest = { patient_id: "p1", path: "/scans/a.dcm", confirm_mismatch: false, teeth: ["36"] };
    const annotation = { image_id: "i1", kind: "length" as const, points: [[1, 2], [3, 4]] as [number, number][], text: "" };
    const calibration = { image_id: "i1", points: [[0, 0], [10, 0]] as [[number, number], [number, number]], known_mm: 5 };
    await api.listImportFiles("/scans");
    await api.previewImageImport("p1", ["/scans/a.dcm"]);
    await api.importImageFile(importRequest);
    await api.patientImages("p1");
    await api.imageDetail("i1");
    await api.imageFrame("i1", 2);
    await api.addImageAnnotation(annotation);
    await api.deleteImageAnnotation("a1");
    await api.calibrateImage(calibration);
    await api.setImageTeeth("i1", ["36", "37"]);
    await api.deleteImage("i1");
    await api.exportImage("i1", "png");
    expect(calls).toEqual([
      ["list_import_files", { path: "/scans" }],
      ["preview_image_import", { patientId: "p1", paths: ["/scans/a.dcm"] }],
      ["import_image_file", { request: importRequest }],
      ["patient_images", { patientId: "p1" }],
      ["image_detail", { imageId: "i1" }],
      ["image_frame", { imageId: "i1", frame: 2, stageSide: null }],
      ["add_image_annotation", { request: annotation }],
      ["delete_image_annotation", { annotationId: "a1" }],
      ["calibrate_image", { request: calibration }],
      ["set_image_teeth", { imageId: "i1", teeth: ["36", "37"] }],
      ["delete_image", { imageId: "i1" }],
      ["export_image", { imageId: "i1", format: "png" }],
    ]);
  });

  it("send the agenda commands' arguments by the Rust names (camelCase for snake_case)", async () => {
    const calls: [string, unknown][] = [];
    api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      return null;
    }) as api.Invoker);
    const booking = {
      patient_id: "p1", chair_id: "ch1", starts_at: "2026-11-25T09:30", duration_min: 30, reason: "Contrôle", allow_overlap: false,
    };
    await api.agendaDay("2026-11-25");
    await api.listChairs();
    await api.saveChair({ name: "Fauteuil 1", active: true });
    await api.bookAppointment(booking);
    await api.updateAppointment("a1", { ...booking, allow_overlap: true });
    await api.setAppointmentStatus("a1", "arrived");
    await api.patientAppointments("p1");
    await api.keepDoubleBooking({ first_id: "a1", second_id: "a2" });
    expect(calls).toEqual([
      ["agenda_day", { date: "2026-11-25" }],
      ["list_chairs", undefined],
      ["save_chair", { req: { name: "Fauteuil 1", active: true } }],
      ["book_appointment", { req: booking }],
      ["update_appointment", { id: "a1", req: { ...booking, allow_overlap: true } }],
      ["set_appointment_status", { id: "a1", status: "arrived" }],
      ["patient_appointments", { patientId: "p1" }],
      ["keep_double_booking", { req: { first_id: "a1", second_id: "a2" } }],
    ]);
  });

  it("send the dental chart commands' arguments by the Rust names (camelCase for snake_case)", async () => {
    const calls: [string, unknown][] = [];
    api.setInvoker((async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args]);
      return null;
    }) as api.Invoker);
    const input = {
      tooth: "36", surfaces: "mod", kind: "restoration" as const, status: "planned" as const, material: "composite" as const,
      note: "", done_on: null,
    };
    await api.dentalChart("p1");
    await api.addChartEntry("p1", input);
    await api.updateChartEntry("ce1", { ...input, status: "done", done_on: "2026-03-02" });
    await api.completeChartEntry("ce1", null);
    await api.completeChartEntry("ce2", "2026-03-01");
    await api.setChartEntryActive("ce1", false);
    await api.keepChartEntries({ entry_id: "ce31", because_of_id: "ce4" });
    expect(calls).toEqual([
      ["dental_chart", { id: "p1" }],
      ["add_chart_entry", { id: "p1", request: input }],
      ["update_chart_entry", { entry: "ce1", request: { ...input, status: "done", done_on: "2026-03-02" } }],
      ["complete_chart_entry", { entry: "ce1", doneOn: null }],
      ["complete_chart_entry", { entry: "ce2", doneOn: "2026-03-01" }],
      ["set_chart_entry_active", { entry: "ce1", active: false }],
      ["keep_chart_entries", { req: { entry_id: "ce31", because_of_id: "ce4" } }],
    ]);
  });

  it("reject with an ApiError", async () => {
    api.setInvoker(vi.fn(() => Promise.reject("ipc down")) as unknown as api.Invoker);
    await expect(api.lockSession()).rejects.toEqual({ code: "internal", message: "ipc down" });
    api.setInvoker(vi.fn(() => Promise.reject({ code: "permission_denied", message: "no" })) as unknown as api.Invoker);
    await expect(api.listUsers()).rejects.toEqual({ code: "permission_denied", message: "no" });
  });
});
