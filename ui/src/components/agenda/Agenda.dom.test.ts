// The agenda screen mounted in a DOM over the dev mock, driven as a receptionist would: booking
// from an empty slot, the chair already taken and "book anyway", a patient's arrival and a
// cancellation, the keyboard, the first chair, and the day refreshed after a sync.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mount } from "svelte";
import * as api from "../../lib/api";
import { addDays, dayTitle, wallClock } from "../../lib/agenda";
import type { AppointmentInput } from "../../lib/bindings";
import { createMockInvoker } from "../../lib/dev/mock";
import { syncState } from "../../lib/syncstate.svelte";
import { choose, click, find, findAll, get, press, tearDown, type, until } from "../domtest";
import AgendaPanel from "./AgendaPanel.svelte";

const ZONE = "Africa/Algiers";
const today = () => wallClock(ZONE).date;

let component: ReturnType<typeof mount> | null = null;
let calls: string[] = [];
let backend: api.Invoker;

function start(query = "", props: Partial<{ canEdit: boolean; canManageChairs: boolean }> = {}) {
  const mock = createMockInvoker(new URLSearchParams(`mock=home${query}`));
  backend = mock;
  api.setInvoker(((cmd: string, args?: Record<string, unknown>) => {
    calls.push(cmd);
    return mock(cmd, args);
  }) as api.Invoker);
  component = mount(AgendaPanel, {
    target: document.body,
    props: { canEdit: true, canManageChairs: true, timezone: ZONE, ...props },
  });
}

const block = (id: string) => find("agenda-appointment", { "data-appointment-id": id });
const blocks = () => findAll("agenda-appointment");
const slot = (chair: string, time: string) => get("agenda-slot", { "data-chair-id": chair, "data-time": time });
const dialogOpen = (testid: string) => (find<HTMLDialogElement>(testid)?.open ? find<HTMLDialogElement>(testid) : null);

/** Searches the patient in the booking dialog and picks the file. */
async function pickPatient(text: string, fileNumber: string) {
  type(get<HTMLInputElement>("appointment-patient-search"), text);
  click(await until(() => find("appointment-patient-result", { "data-file-number": fileNumber }), `the result ${fileNumber}`));
}

beforeEach(() => {
  calls = [];
});
afterEach(() => {
  component = tearDown(component);
  syncState.lastSuccess = null;
  syncState.status = null;
});

describe("the agenda's day", () => {
  it("shows today by chair, its appointments by status, and the double booking", async () => {
    start();
    await until(() => findAll("agenda-chair").length === 2, "the chairs");
    expect(get("agenda-title").textContent).toBe(dayTitle("fr", today()));
    expect(findAll("agenda-chair").map((c) => c.dataset.chairId)).toEqual(["ch1", "ch2"]);
    expect(get<HTMLInputElement>("agenda-date").value).toBe(today());
    // 10 appointments today, 8 of them still taking their place (a no-show, a cancellation).
    expect(blocks()).toHaveLength(10);
    expect(get("agenda-count").textContent?.trim()).toBe("8 rendez-vous");
    expect(block("a2")?.dataset.status).toBe("arrived");
    expect(block("a5")?.dataset.status).toBe("no_show");
    expect(block("a6")?.className).toContain("narrow");
    expect(block("a7")?.dataset.overlap).toBe("true");
    expect(block("a8")?.dataset.overlap).toBe("true");
    expect(block("a3")?.dataset.overlap).toBe("false");
    expect(block("a7")?.textContent).toContain("Double réservation");
    expect(block("a3")?.textContent).toContain("ZERROUKI Amine");
    expect(block("a3")?.textContent).toContain("K7Q-00008");
    expect(block("a3")?.textContent).toContain("10:00–11:00");
    expect(slot("ch1", "09:30").getAttribute("aria-label")).toBe("Réserver Fauteuil 1 à 09:30");
  });

  it("moves between days with the toolbar and the keyboard", async () => {
    start();
    await until(() => blocks().length > 0, "today's appointments");
    click(get("agenda-next"));
    await until(() => get("agenda-title").textContent === dayTitle("fr", addDays(today(), 1)), "tomorrow");
    await until(() => blocks().length === 1, "tomorrow's appointment");
    press("ArrowLeft");
    press("ArrowLeft");
    await until(() => get("agenda-title").textContent === dayTitle("fr", addDays(today(), -1)), "yesterday");
    press("t");
    await until(() => get("agenda-title").textContent === dayTitle("fr", today()), "today again");
    choose(get<HTMLInputElement>("agenda-date"), addDays(today(), 7));
    get<HTMLInputElement>("agenda-date").dispatchEvent(new Event("change", { bubbles: true }));
    await until(() => get("agenda-title").textContent === dayTitle("fr", addDays(today(), 7)), "next week");
    // Keys typed in a text field are the field's.
    press("ArrowRight", get("agenda-date"));
    expect(get("agenda-title").textContent).toBe(dayTitle("fr", addDays(today(), 7)));
  });

  it("shows a read-only agenda without slots to book", async () => {
    start("", { canEdit: false });
    await until(() => blocks().length > 0, "the appointments");
    expect(find("agenda-slot")).toBeNull();
    expect(find("agenda-new")).toBeNull();
    click(block("a3")!);
    await until(() => dialogOpen("appointment-details"), "the details");
    expect(find("appointment-arrived")).toBeNull();
    expect(find("appointment-edit")).toBeNull();
  });
});

describe("booking", () => {
  it("books from an empty slot through the dialog", async () => {
    start();
    await until(() => blocks().length > 0, "the appointments");
    click(slot("ch1", "12:00"));
    const dialog = await until(() => dialogOpen("appointment-dialog"), "the booking dialog");
    expect(get<HTMLSelectElement>("appointment-chair").value).toBe("ch1");
    expect(get<HTMLInputElement>("appointment-date").value).toBe(today());
    expect(get<HTMLInputElement>("appointment-start").value).toBe("12:00");
    expect(get<HTMLSelectElement>("appointment-duration").value).toBe("30");

    // Saving without a patient says what is missing, and sends nothing.
    click(get("appointment-save"));
    expect(get("appointment-error").textContent).toContain("Choisissez le patient.");
    expect(calls).not.toContain("book_appointment");

    await pickPatient("Bensa", "K7Q-00003");
    expect(get("appointment-patient-chosen").textContent).toBe("BENSAÏD Nour");
    type(get<HTMLInputElement>("appointment-reason"), "Contrôle annuel");
    choose(get<HTMLSelectElement>("appointment-duration"), "45");
    choose(get<HTMLSelectElement>("appointment-practitioner"), "u1");
    click(get("appointment-save"));
    await until(() => !dialog.isConnected, "the dialog to close");

    const booked = await until(() => blocks().find((b) => b.textContent?.includes("BENSAÏD Nour")), "the new appointment");
    expect(booked.dataset.status).toBe("booked");
    expect(booked.dataset.overlap).toBe("false");
    expect(booked.closest("[data-testid=agenda-chair]")?.getAttribute("data-chair-id")).toBe("ch1");
    expect(booked.textContent).toContain("12:00–12:45");
    expect(booked.textContent).toContain("Contrôle annuel");
    expect(booked.textContent).toContain("Dr Amina Benali");
    expect(get("agenda-flash").textContent).toContain("12:00–12:45, BENSAÏD Nour");
    expect(get("agenda-count").textContent?.trim()).toBe("9 rendez-vous");
  });

  it("warns that the chair is taken, names who holds it, and books anyway", async () => {
    start();
    await until(() => blocks().length > 0, "the appointments");
    click(slot("ch1", "10:30"));
    await until(() => dialogOpen("appointment-dialog"), "the booking dialog");
    await pickPatient("K7Q-00003", "K7Q-00003");
    click(get("appointment-save"));

    const warning = await until(() => find("appointment-taken"), "the chair_taken warning");
    // Zerrouki Amine holds Fauteuil 1 from 10:00 to 11:00 (chair_holders says so).
    await until(() => findAll("appointment-taken-item").length, "the appointments holding the chair");
    expect(findAll("appointment-taken-item").map((li) => li.dataset.appointmentId)).toEqual(["a3"]);
    expect(warning.textContent).toContain("ZERROUKI Amine");
    expect(warning.textContent).toContain("10:00–11:00");
    expect(find("appointment-error")).toBeNull();

    // Another time: the warning goes (the next save asks again); back to it, it shows again.
    choose(get<HTMLInputElement>("appointment-start"), "11:00");
    expect(find("appointment-taken")).toBeNull();
    choose(get<HTMLInputElement>("appointment-start"), "10:30");
    expect(find("appointment-taken")).not.toBeNull();

    click(get("appointment-book-anyway"));
    await until(() => !find("appointment-dialog"), "the dialog to close");
    const booked = await until(() => blocks().find((b) => b.textContent?.includes("BENSAÏD Nour")), "the appointment booked anyway");
    // Kept on purpose: no double-booking marker.
    expect(booked.dataset.overlap).toBe("false");
    expect(calls.filter((c) => c === "book_appointment")).toHaveLength(2);
  });

  it("keeps what was typed when the booking is refused", async () => {
    start();
    await until(() => blocks().length > 0, "the appointments");
    click(get("agenda-new"));
    await until(() => dialogOpen("appointment-dialog"), "the booking dialog");
    await pickPatient("Bensa", "K7Q-00003");
    type(get<HTMLInputElement>("appointment-reason"), "Urgence");
    choose(get<HTMLInputElement>("appointment-start"), "23:30");
    choose(get<HTMLSelectElement>("appointment-duration"), "60");
    click(get("appointment-save"));
    const error = await until(() => find("appointment-error"), "the refusal");
    expect(error.textContent).toContain("past midnight");
    expect(get<HTMLInputElement>("appointment-reason").value).toBe("Urgence");
    expect(get("appointment-patient-chosen").textContent).toBe("BENSAÏD Nour");
    expect(dialogOpen("appointment-dialog")).not.toBeNull();
    click(get("appointment-close"));
    expect(find("appointment-dialog")).toBeNull();
  });

  it("opens a new appointment on the first chair with N, and edits one from its details", async () => {
    start();
    await until(() => blocks().length > 0, "the appointments");
    press("n");
    await until(() => dialogOpen("appointment-dialog"), "the booking dialog");
    expect(get<HTMLSelectElement>("appointment-chair").value).toBe("ch1");
    expect(get<HTMLInputElement>("appointment-start").value).toMatch(/^\d{2}:(00|15|30|45)$/);
    // No shortcut while a dialog is open.
    press("ArrowRight");
    expect(get("agenda-title").textContent).toBe(dayTitle("fr", today()));
    click(get("appointment-close"));

    click(block("a9")!);
    await until(() => dialogOpen("appointment-details"), "the details");
    click(get("appointment-edit"));
    await until(() => dialogOpen("appointment-dialog"), "the edit dialog");
    expect(get("appointment-patient-chosen").textContent).toBe("BENMOUSSA Rachid");
    expect(get<HTMLSelectElement>("appointment-chair").value).toBe("ch2");
    choose(get<HTMLInputElement>("appointment-start"), "17:00");
    click(get("appointment-save"));
    await until(() => block("a9")?.textContent?.includes("17:00–18:00"), "the appointment moved");
  });
});

describe("the day's statuses", () => {
  it("marks an arrival, then cancels behind a confirmation, then restores", async () => {
    start();
    await until(() => blocks().length > 0, "the appointments");
    click(block("a3")!);
    const details = await until(() => dialogOpen("appointment-details"), "the details");
    expect(details.textContent).toContain("ZERROUKI Amine");
    expect(details.textContent).toContain("Dr Amina Benali");
    expect(find("appointment-restore")).toBeNull();

    click(get("appointment-arrived"));
    await until(() => block("a3")?.dataset.status === "arrived", "the arrival in the grid");
    expect(get("appointment-details").dataset.status).toBe("arrived");
    expect(get("appointment-status-done").textContent).toContain("Arrivé");

    click(get("appointment-cancel"));
    const confirm = await until(() => dialogOpen("appointment-cancel-dialog"), "the confirmation");
    expect(confirm.textContent).toContain("ZERROUKI Amine");
    // Nothing is cancelled before the confirmation (the one call so far: the arrival).
    expect(calls.filter((c) => c === "set_appointment_status")).toHaveLength(1);
    click(get("appointment-cancel-confirm"));
    await until(() => block("a3")?.dataset.status === "cancelled", "the cancellation in the grid");
    expect(find<HTMLDialogElement>("appointment-cancel-dialog")?.open).toBe(false);
    expect(get("agenda-count").textContent?.trim()).toBe("7 rendez-vous");

    click(get("appointment-restore"));
    await until(() => block("a3")?.dataset.status === "booked", "the appointment restored");
  });

  it("does not cancel when the confirmation is refused", async () => {
    start();
    await until(() => blocks().length > 0, "the appointments");
    click(block("a10")!);
    await until(() => dialogOpen("appointment-details"), "the details");
    click(get("appointment-cancel"));
    await until(() => dialogOpen("appointment-cancel-dialog"), "the confirmation");
    click(get("appointment-cancel-cancel"));
    expect(find<HTMLDialogElement>("appointment-cancel-dialog")?.open).toBe(false);
    expect(block("a10")?.dataset.status).toBe("booked");
    expect(calls).not.toContain("set_appointment_status");
  });
});

describe("chairs and syncs", () => {
  it("lets the owner add the first chair from the empty state", async () => {
    start("&nochairs");
    await until(() => find("agenda-no-chairs"), "the empty state");
    expect(get<HTMLInputElement>("chair-add-name").value).toBe("Fauteuil 1");
    click(get("chair-add"));
    await until(() => findAll("agenda-chair").length === 1, "the first chair");
    expect(find("agenda-no-chairs")).toBeNull();
    expect(find("agenda-slot", { "data-chair-id": "ch1", "data-time": "07:00" })).not.toBeNull();
  });

  it("tells others the owner must add the chairs", async () => {
    start("&nochairs", { canManageChairs: false });
    const empty = await until(() => find("agenda-no-chairs"), "the empty state");
    expect(find("chair-add")).toBeNull();
    expect(empty.textContent).toContain("le titulaire du cabinet doit d'abord ajouter les fauteuils");
  });

  it("reads the day again at once after a sync, as a refresh, keeping an open dialog", async () => {
    start();
    await until(() => blocks().length === 10, "the appointments");
    click(slot("ch2", "18:00"));
    await until(() => dialogOpen("appointment-dialog"), "the booking dialog");
    type(get<HTMLInputElement>("appointment-reason"), "en cours");
    // Another desk booked meanwhile; the sync brings it.
    const other: AppointmentInput = {
      patient_id: "p11", chair_id: "ch1", starts_at: `${today()}T19:00`, duration_min: 30, reason: "Autre poste", allow_overlap: false,
    };
    await backend("book_appointment", { req: other });
    const reads = calls.filter((c) => c === "agenda_day").length;
    syncState.lastSuccess = { at_ms: Date.now(), summary: {} as never };
    // Without any input: read as a refresh (neither activity nor an audit entry), not as an opening.
    await until(() => blocks().length === 11, "the other desk's appointment");
    expect(calls.filter((c) => c === "agenda_day_refresh").length).toBe(1);
    expect(calls.filter((c) => c === "agenda_day").length).toBe(reads);
    expect(get<HTMLInputElement>("appointment-reason").value).toBe("en cours");
    expect(dialogOpen("appointment-dialog")).not.toBeNull();
  });
});
