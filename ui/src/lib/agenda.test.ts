import { describe, expect, it } from "vitest";
import type { Appointment, Chair } from "./bindings";
import {
  actionStatus,
  addDays,
  appointmentsById,
  bookingInput,
  bookingProblem,
  chairChoices,
  dayTitle,
  DURATIONS,
  durationChoices,
  durationText,
  formatAt,
  formFromAppointment,
  gridRange,
  isIsoDate,
  liveCount,
  minutesOf,
  NARROW_SHARE,
  newBookingForm,
  nextQuarter,
  placeBlocks,
  slotKey,
  span,
  statusActions,
  statusLabel,
  timeOf,
  timeRange,
  wallClock,
  whenText,
  type BookingForm,
} from "./agenda";

const mohamed = { id: "p1", file_number: "K7Q-00001", last_name: "Benali", first_name: "Mohamed" };

function appt(id: string, time: string, duration_min: number, over: Partial<Appointment> = {}): Appointment {
  const start = minutesOf(time)!;
  return {
    id, patient: mohamed, chair_id: "ch1", chair_name: "Fauteuil 1", starts_at: `2026-11-25T${time}`,
    ends_at: `2026-11-25T${timeOf(start + duration_min)}`, duration_min, reason: "Contrôle", status: "booked",
    booked_by_name: "Léa Martin", booked_at_ms: 0, overlaps_with: [], holds_chair: true, ...over,
  };
}

describe("wall-clock text", () => {
  it("reads and writes times of day", () => {
    expect(minutesOf("09:30")).toBe(570);
    expect(minutesOf("00:00")).toBe(0);
    expect(minutesOf("24:00")).toBeNull();
    expect(minutesOf("9:30")).toBeNull();
    expect(timeOf(570)).toBe("09:30");
    expect(timeOf(7 * 60)).toBe("07:00");
  });

  it("moves days across months, years and leap days", () => {
    expect(addDays("2026-11-30", 1)).toBe("2026-12-01");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(addDays("2028-03-01", -1)).toBe("2028-02-29");
    expect(addDays("2026-11-25", -30)).toBe("2026-10-26");
  });

  it("tells a real date", () => {
    expect(isIsoDate("2026-11-25")).toBe(true);
    expect(isIsoDate("2026-02-30")).toBe(false);
    expect(isIsoDate("25/11/2026")).toBe(false);
  });

  it("titles the day in full, without a comma", () => {
    expect(dayTitle("fr", "2026-11-25")).toBe("mercredi 25 novembre 2026");
    expect(dayTitle("en", "2026-11-25")).toBe("Wednesday 25 November 2026");
    expect(dayTitle("fr", "nope")).toBe("nope");
  });

  it("reads the clinic's wall clock in its time zone", () => {
    const at = Date.UTC(2026, 10, 25, 23, 30); // 23:30 UTC
    expect(wallClock("Africa/Algiers", at)).toEqual({ date: "2026-11-26", minutes: 30 }); // UTC+1
    expect(wallClock("UTC", at)).toEqual({ date: "2026-11-25", minutes: 23 * 60 + 30 });
    // An unknown zone: this PC's clock, still a day and a time.
    const local = wallClock("Nowhere/Atlantis", at);
    expect(isIsoDate(local.date)).toBe(true);
  });

  it("starts a new appointment on the next quarter hour, within the usual hours", () => {
    expect(nextQuarter(9 * 60 + 7)).toBe(9 * 60 + 15);
    expect(nextQuarter(9 * 60 + 15)).toBe(9 * 60 + 15);
    expect(nextQuarter(3 * 60)).toBe(7 * 60);
    expect(nextQuarter(22 * 60)).toBe(20 * 60 + 45);
  });

  it("says durations and times as the agenda shows them", () => {
    expect(durationText("fr", 45)).toBe("45 min");
    expect(durationText("fr", 60)).toBe("1 h");
    expect(durationText("fr", 90)).toBe("1 h 30");
    expect(durationText("en", 90)).toBe("1 h 30 min");
    const a = appt("a1", "09:30", 30);
    expect(timeRange(a)).toBe("09:30–10:00");
    expect(whenText(a)).toBe("25/11/2026 09:30–10:00");
    expect(formatAt("2026-11-25T09:30")).toBe("25/11/2026 09:30");
    expect(formatAt("tomorrow")).toBe("tomorrow");
  });

  it("offers the usual durations, and the current one when it is another", () => {
    expect(durationChoices(30)).toEqual([...DURATIONS]);
    expect(durationChoices(25)).toEqual([10, 15, 20, 25, 30, 45, 60, 90, 120]);
    expect(durationChoices(240)).toEqual([...DURATIONS, 240]);
  });

  it("names statuses in both languages, an unknown one as sent", () => {
    expect(statusLabel("fr", "no_show")).toBe("Absent");
    expect(statusLabel("en", "cancelled")).toBe("Cancelled");
    expect(statusLabel("fr", "rescheduled")).toBe("rescheduled");
  });

  it("counts the appointments that still take their place, as the Rust side says", () => {
    expect(liveCount([true, true, false, true, false].map((holds_chair) => ({ holds_chair })))).toBe(3);
  });
});

describe("layout", () => {
  it("spans an appointment by its duration (an end at midnight reads 23:59)", () => {
    expect(span(appt("a", "23:30", 30, { ends_at: "2026-11-25T23:59" }))).toEqual({ start: 23 * 60 + 30, end: 24 * 60 });
  });

  it("shows 07:00 to 21:00, widened to whole hours for what is booked outside", () => {
    expect(gridRange([])).toEqual({ start: 420, end: 1260 });
    expect(gridRange([appt("a", "06:30", 30), appt("b", "21:10", 20)])).toEqual({ start: 360, end: 22 * 60 });
    expect(gridRange([appt("a", "23:30", 30)])).toEqual({ start: 420, end: 24 * 60 });
  });

  it("draws a lone appointment across its column", () => {
    const [p] = placeBlocks([appt("a", "09:00", 30)]);
    expect(p).toMatchObject({ start: 540, end: 570, left: 0, width: 1, narrow: false });
  });

  it("puts overlapping appointments side by side, and one after the other full width again", () => {
    const placed = placeBlocks([appt("a", "09:00", 60), appt("b", "09:30", 45), appt("c", "10:00", 30), appt("d", "11:00", 30)]);
    const by = Object.fromEntries(placed.map((p) => [p.item.id, p]));
    // a and b overlap; c starts when a ends and takes a's lane back, beside b; d is alone.
    expect(by.a).toMatchObject({ left: 0, width: 0.5 });
    expect(by.b).toMatchObject({ left: 0.5, width: 0.5 });
    expect(by.c).toMatchObject({ left: 0, width: 0.5 });
    expect(by.d).toMatchObject({ left: 0, width: 1 });
  });

  it("uses three lanes for three at once", () => {
    const placed = placeBlocks([appt("a", "09:00", 60), appt("b", "09:15", 60), appt("c", "09:30", 15)]);
    expect(placed.map((p) => [p.item.id, p.left, p.width])).toEqual([
      ["a", 0, 1 / 3],
      ["b", 1 / 3, 1 / 3],
      ["c", 2 / 3, 1 / 3],
    ]);
  });

  it("draws cancelled and no-show appointments narrow at the right, the live ones beside them", () => {
    const placed = placeBlocks([
      appt("live", "09:00", 30),
      appt("gone", "09:00", 30, { status: "cancelled", holds_chair: false }),
      appt("alone", "14:00", 30, { status: "no_show", holds_chair: false }),
      appt("later", "15:00", 30),
    ]);
    const by = Object.fromEntries(placed.map((p) => [p.item.id, p]));
    expect(by.live).toMatchObject({ left: 0, narrow: false });
    expect(by.live.width).toBeCloseTo(1 - NARROW_SHARE);
    expect(by.gone).toMatchObject({ narrow: true, width: NARROW_SHARE });
    expect(by.gone.left).toBeCloseTo(1 - NARROW_SHARE);
    // Narrow even alone, so the free slot under it can be clicked.
    expect(by.alone).toMatchObject({ narrow: true, width: NARROW_SHARE });
    expect(by.later).toMatchObject({ left: 0, width: 1 });
  });

  it("finds the appointments an overlap names among those known", () => {
    const day = [appt("a", "09:00", 30), appt("b", "09:15", 30)];
    expect(appointmentsById(day, ["b", "zz"]).map((a) => a.id)).toEqual(["b"]);
  });
});

describe("booking form", () => {
  it("starts a new appointment on the chair and time clicked, for 30 minutes", () => {
    const f = newBookingForm("ch2", "2026-11-25", "09:30");
    expect(f).toEqual({
      id: null, patient: null, chair_id: "ch2", date: "2026-11-25", start: "09:30", duration_min: 30, reason: "", practitioner_id: "",
    });
    expect(bookingProblem(f)).toBe("agenda.need_patient");
    expect(bookingProblem({ ...f, patient: mohamed, chair_id: "" })).toBe("agenda.need_chair");
    expect(bookingProblem({ ...f, patient: mohamed, start: "" })).toBe("agenda.need_time");
    expect(bookingProblem({ ...f, patient: mohamed })).toBeNull();
  });

  it("makes the request, without a practitioner when none is named", () => {
    const f = { ...newBookingForm("ch2", "2026-11-25", "09:30"), patient: mohamed, reason: "  Détartrage " };
    expect(bookingInput(f, false)).toEqual({
      patient_id: "p1", chair_id: "ch2", starts_at: "2026-11-25T09:30", duration_min: 30, reason: "Détartrage", allow_overlap: false,
    });
    expect(bookingInput({ ...f, practitioner_id: "u1" }, true)).toMatchObject({ practitioner_id: "u1", allow_overlap: true });
  });

  it("edits an appointment from what it holds", () => {
    const a = appt("a9", "14:15", 45, { chair_id: "ch2", practitioner_id: "u4", reason: "Couronne" });
    expect(formFromAppointment(a)).toEqual({
      id: "a9", patient: mohamed, chair_id: "ch2", date: "2026-11-25", start: "14:15", duration_min: 45, reason: "Couronne",
      practitioner_id: "u4",
    });
    expect(formFromAppointment(appt("a", "09:00", 30)).practitioner_id).toBe("");
  });

  it("keeps the chair_taken warning while the chair, day, time and length stay", () => {
    const f = newBookingForm("ch1", "2026-11-25", "09:30");
    const typed: BookingForm = { ...f, reason: "x", practitioner_id: "u1" };
    expect(slotKey(typed)).toBe(slotKey(f));
    expect(slotKey({ ...f, start: "09:45" })).not.toBe(slotKey(f));
    expect(slotKey({ ...f, duration_min: 45 })).not.toBe(slotKey(f));
  });

  it("offers the chairs in service, and the appointment's own when it left service", () => {
    const chairs: Chair[] = [
      { id: "ch1", name: "Fauteuil 1", active: true },
      { id: "ch2", name: "Fauteuil 2", active: false },
    ];
    expect(chairChoices(chairs, "ch1").map((c) => c.id)).toEqual(["ch1"]);
    expect(chairChoices(chairs, "ch2").map((c) => c.id)).toEqual(["ch1", "ch2"]);
  });
});

describe("status buttons", () => {
  it("offers what can follow each status, and 'Rétablir' to undo", () => {
    expect(statusActions("booked")).toEqual(["arrived", "completed", "no_show", "cancel"]);
    expect(statusActions("arrived")).toEqual(["completed", "cancel", "restore"]);
    expect(statusActions("completed")).toEqual(["restore"]);
    expect(statusActions("no_show")).toEqual(["restore"]);
    expect(statusActions("cancelled")).toEqual(["restore"]);
    expect(actionStatus("cancel")).toBe("cancelled");
    expect(actionStatus("restore")).toBe("booked");
    expect(actionStatus("no_show")).toBe("no_show");
  });
});
