// The agenda's pieces outside the agenda, mounted in a DOM over the dev mock: the inbox's double
// bookings (cancel one behind a confirmation, keep both, open the agenda on that day) and a
// concurrent move of an appointment, a file's appointments, and the chairs in the settings.
import { afterEach, describe, expect, it } from "vitest";
import { mount } from "svelte";
import * as api from "../lib/api";
import { wallClock } from "../lib/agenda";
import { createMockInvoker } from "../lib/dev/mock";
import { inboxCount } from "../lib/inbox";
import { formatDate } from "../lib/patients";
import { adoptInboxUser, inboxState } from "../lib/inboxstate.svelte";
import AttentionInbox from "./AttentionInbox.svelte";
import ChairsSettings from "./agenda/ChairsSettings.svelte";
import PatientAppointments from "./PatientAppointments.svelte";
import { click, find, findAll, get, tearDown, type, until } from "./domtest";

const today = () => wallClock("Africa/Algiers").date;

let component: ReturnType<typeof mount> | null = null;
let calls: string[] = [];

function backend(query = "") {
  calls = [];
  const mock = createMockInvoker(new URLSearchParams(`mock=home${query}`));
  api.setInvoker(((cmd: string, args?: Record<string, unknown>) => {
    calls.push(cmd);
    return mock(cmd, args);
  }) as api.Invoker);
}

afterEach(() => {
  component = tearDown(component);
});

describe("the inbox's double bookings", () => {
  let opened: string[] = [];
  function inbox(canEditAgenda = true, query = "") {
    backend(query);
    opened = [];
    adoptInboxUser(`u-${Math.random()}`);
    component = mount(AttentionInbox, {
      target: document.body,
      props: {
        canEditPatients: true, canEditClinical: true, canViewAgenda: true, canEditAgenda, onopen: () => {}, onmerged: () => {},
        onagenda: (date: string) => opened.push(date),
      },
    });
  }
  const pair = () => find("double-booking", { "data-first-id": "a7", "data-second-id": "a8" });

  it("shows both appointments with who booked them, counted on the badge", async () => {
    inbox();
    const item = await until(pair, "the double booking");
    expect(item.textContent).toContain("Fauteuil 2");
    expect(get("double-booking-first").textContent).toContain("MARTIN Léa");
    expect(get("double-booking-first").textContent).toContain("14:00–14:30");
    expect(get("double-booking-first").textContent).toContain("Réservé par Karim Haddad");
    expect(get("double-booking-second").textContent).toContain("DUPONT Jean-Pierre");
    expect(get("double-booking-cancel-first").textContent).toBe("Annuler le RDV de MARTIN Léa");
    expect(get("double-booking-cancel-second").textContent).toBe("Annuler le RDV de DUPONT Jean-Pierre");
    // Counted with the other things waiting (5 concurrent edits, 1 possible duplicate, 1 chart
    // contradiction).
    expect(inboxCount(inboxState.inbox)).toBe(8);
  });

  it("opens the agenda on that day", async () => {
    inbox();
    await until(pair, "the double booking");
    click(get("double-booking-open-agenda"));
    expect(opened).toEqual([today()]);
  });

  it("cancels one appointment behind a confirmation; the pair leaves the inbox", async () => {
    inbox();
    await until(pair, "the double booking");
    click(get("double-booking-cancel-second"));
    const confirm = await until(() => (find<HTMLDialogElement>("double-booking-cancel-dialog")?.open ? find("double-booking-cancel-dialog") : null));
    expect(confirm.textContent).toContain("Annuler le rendez-vous de DUPONT Jean-Pierre ?");
    expect(confirm.textContent).toContain("celui de MARTIN Léa reste");
    expect(calls).not.toContain("set_appointment_status");
    click(get("double-booking-cancel-confirm"));
    await until(() => !pair(), "the pair to go");
    expect(get("double-booking-done").textContent).toBe("Rendez-vous de DUPONT Jean-Pierre annulé.");
    expect(find("double-bookings-none")).not.toBeNull();
    await until(() => inboxState.inbox?.double_bookings.length === 0, "the inbox read again");
  });

  it("keeps both on purpose", async () => {
    inbox();
    await until(pair, "the double booking");
    click(get("double-booking-keep"));
    await until(() => !pair(), "the pair to go");
    expect(get("double-booking-done").textContent).toBe("Les deux rendez-vous sont gardés.");
    expect(calls).toContain("keep_double_booking");
  });

  it("shows them without the decisions to a role that cannot change the agenda", async () => {
    inbox(false);
    await until(pair, "the double booking");
    expect(find("double-booking-keep")).toBeNull();
    expect(find("double-booking-cancel-first")).toBeNull();
    expect(find("double-booking-open-agenda")).not.toBeNull();
  });

  it("words a concurrent edit of an appointment with its time and the agenda's labels", async () => {
    inbox();
    const c = await until(() => find("conflict", { "data-table": "appointment" }), "the appointment's conflict");
    expect(c.querySelector("[data-testid=conflict-subject]")?.textContent).toBe(`Motif du rendez-vous du ${formatDate(today())} 10:00`);
    expect(c.querySelector("[data-testid=conflict-current-value]")?.textContent).toBe("Extraction 38");
    expect(c.querySelector("[data-testid=conflict-other-value]")?.textContent).toBe("Extraction 48");
    expect(c.querySelector("[data-testid=conflict-keep]")).not.toBeNull();
    click(c.querySelector<HTMLButtonElement>("[data-testid=conflict-open-agenda]")!);
    expect(opened).toEqual([today()]);
  });

  it("takes a concurrent move's time onto a held chair only when asked to take it anyway", async () => {
    inbox(true, "&movedapart");
    const c = await until(() => find("conflict", { "data-table": "appointment", "data-field": "starts_at" }), "the concurrent move");
    expect(c.querySelector("[data-testid=conflict-other-value]")?.textContent).toContain("11:15");
    click(c.querySelector<HTMLButtonElement>("[data-testid=conflict-take]")!);
    const dialog = await until(() => (find<HTMLDialogElement>("conflict-take-dialog")?.open ? find("conflict-take-dialog") : null), "the confirmation");
    expect(get("conflict-take-confirm").textContent?.trim()).toBe("Prendre l'autre valeur");
    click(get("conflict-take-confirm"));
    // Refused: the chair is held then. The dialog says so and offers to take it anyway.
    await until(() => get("conflict-take-confirm").textContent?.trim() === "Prendre quand même", "the offer to take it anyway");
    expect(dialog.textContent).toContain("Ce fauteuil est déjà occupé à ce moment");
    expect(get("conflict-take-anyway-hint").textContent).toContain("garde les deux rendez-vous");
    expect(find("conflict", { "data-table": "appointment", "data-field": "starts_at" })).not.toBeNull();
    click(get("conflict-take-confirm"));
    await until(() => !find("conflict", { "data-table": "appointment", "data-field": "starts_at" }), "the conflict decided");
    const day = await api.agendaDay(today());
    expect(day.appointments.find((a) => a.id === "a3")?.starts_at).toBe(`${today()}T11:15`);
    // Kept on purpose: no double booking waits for it.
    const waiting = (await api.attentionInbox()).double_bookings.map((d) => [d.first.id, d.second.id].sort().join("+"));
    expect(waiting).not.toContain("a3+a4");
  });
});

describe("a file's appointments", () => {
  it("lists the next ones and the past ones, with their status", async () => {
    backend();
    const opened: string[] = [];
    component = mount(PatientAppointments, {
      target: document.body,
      props: { patientId: "p1", timezone: "Africa/Algiers", onagenda: (d: string) => opened.push(d) },
    });
    await until(() => findAll("patient-appointment").length === 4, "the appointments");
    const statuses = findAll("patient-appointment").map((r) => r.dataset.status);
    expect(statuses).toContain("no_show");
    expect(statuses).toContain("completed");
    expect(get("patient-appointments").textContent).toContain("Soins 36");
    click(findAll("patient-appointment")[0].querySelector("button")!);
    expect(opened).toHaveLength(1);
  });

  it("says when there is none", async () => {
    backend();
    component = mount(PatientAppointments, { target: document.body, props: { patientId: "p12" } });
    await until(() => find("patient-appointments-none"), "the empty list");
  });
});

describe("the chairs in the settings", () => {
  it("renames a chair, takes one out of service and adds one", async () => {
    backend();
    component = mount(ChairsSettings, { target: document.body });
    await until(() => findAll("settings-chair").length === 2, "the chairs");
    const first = get("settings-chair", { "data-chair-id": "ch1" });
    const name = first.querySelector<HTMLInputElement>("[data-testid=settings-chair-name]")!;
    type(name, "Fauteuil du fond");
    click(first.querySelector<HTMLButtonElement>("[data-testid=settings-chair-rename]")!);
    await until(() => get("settings-chairs").textContent?.includes("Fauteuil « Fauteuil du fond » enregistré."), "the rename");

    const second = get("settings-chair", { "data-chair-id": "ch2" });
    click(second.querySelector<HTMLButtonElement>("[data-testid=settings-chair-active]")!);
    await until(() => get("settings-chair", { "data-chair-id": "ch2" }).dataset.active === "false", "out of service");
    expect(get("settings-chair", { "data-chair-id": "ch2" }).textContent).toContain("Remettre en service");

    // A rename saved as the box loses the focus, then at once a click on the toggle: both are saved.
    const back = get("settings-chair", { "data-chair-id": "ch2" });
    const box = back.querySelector<HTMLInputElement>("[data-testid=settings-chair-name]")!;
    type(box, "Fauteuil 2 (réparé)");
    box.dispatchEvent(new Event("change", { bubbles: true }));
    click(back.querySelector<HTMLButtonElement>("[data-testid=settings-chair-active]")!);
    await until(() => get("settings-chair", { "data-chair-id": "ch2" }).dataset.active === "true", "back in service");
    expect(get<HTMLInputElement>("settings-chair-name", { id: "settings-chair-name-ch2" }).value).toBe("Fauteuil 2 (réparé)");

    expect(get<HTMLInputElement>("settings-chair-add-name").value).toBe("Fauteuil 3");
    click(get("settings-chair-add"));
    await until(() => findAll("settings-chair").length === 3, "the new chair");
    expect(get<HTMLInputElement>("settings-chair-add-name").value).toBe("Fauteuil 4");
    expect(calls.filter((c) => c === "save_chair")).toHaveLength(5);
  });
});
