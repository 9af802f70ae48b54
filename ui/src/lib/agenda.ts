// Pure helpers of the agenda screen: wall-clock times as text, the day's title, where a block
// goes in its chair's column (top and height from its times, side by side with the blocks it
// overlaps), the booking form and what a status allows next. No Svelte, no I/O.
//
// The rules live in Rust: whether a chair is taken (`Appointment.overlaps_with`, the
// `chair_taken` error and `chair_holders`, which names what holds it), which times and durations
// are allowed. Laying the blocks out is presentation.
import type { Appointment, AppointmentInput, AppointmentStatus, Chair, Language, PatientRef } from "./bindings";
import { translate, type MessageKey } from "./i18n";
import { formatDate } from "./patients";

/** The grid's hours when nothing is booked outside them: 07:00 to 21:00. */
export const DAY_START_MIN = 7 * 60;
export const DAY_END_MIN = 21 * 60;
/** One row of the grid, and one empty slot to click. */
export const SLOT_MIN = 15;
/** The step appointments start on (STEP_MIN on the Rust side). */
export const STEP_MIN = 5;
/** The durations offered; the current one is added when it is another. */
export const DURATIONS: readonly number[] = [10, 15, 20, 30, 45, 60, 90, 120];
/** The duration of a new appointment. */
export const DEFAULT_DURATION_MIN = 30;

export const STATUSES = ["booked", "arrived", "completed", "no_show", "cancelled"] as const satisfies readonly AppointmentStatus[];

export function isStatus(s: string): s is AppointmentStatus {
  return (STATUSES as readonly string[]).includes(s);
}


/** "Prévu", "Arrivé", "Absent"...; a status this version does not know as sent. */
export function statusLabel(lang: Language, status: string): string {
  return isStatus(status) ? translate(lang, `agenda.status_${status}`) : status;
}

// ---------------------------------------------------------------- wall-clock text

const pad = (n: number) => String(n).padStart(2, "0");

/** "09:30" -> 570; null when it is not a time of day. */
export function minutesOf(time: string): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(time);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? h * 60 + min : null;
}

/** 570 -> "09:30". */
export function timeOf(minutes: number): string {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** The day of a wall-clock time ("2026-11-25T09:30" -> "2026-11-25"). */
export const datePart = (at: string) => at.slice(0, 10);
/** The time of a wall-clock time ("2026-11-25T09:30" -> "09:30"). */
export const timePart = (at: string) => at.slice(11, 16);
/** "2026-11-25" and "09:30" -> "2026-11-25T09:30". */
export const joinAt = (date: string, time: string) => `${date}T${time}`;

export function isIsoDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function utcDay(date: string): Date {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

/** The day `n` days after `date` (before when negative), "YYYY-MM-DD". */
export function addDays(date: string, n: number): string {
  const d = utcDay(date);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** "mercredi 25 novembre 2026", "Wednesday 25 November 2026". */
export function dayTitle(lang: Language, date: string): string {
  if (!isIsoDate(date)) return date;
  const parts = new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  }).formatToParts(utcDay(date));
  // Built from the parts, so a comma one engine puts after the weekday and another leaves out
  // never shows.
  return parts
    .filter((p) => p.type !== "literal")
    .map((p) => p.value)
    .join(" ");
}

/** Where the clinic's wall clock stands: its day and the minutes into it. `timeZone` is the
 * clinic's (ClinicInfo.timezone); this PC's own clock when it is not given or not known. */
export function wallClock(timeZone: string | null | undefined, nowMs: number = Date.now()): { date: string; minutes: number } {
  if (timeZone) {
    try {
      const parts = new Intl.DateTimeFormat("en-GB", {
        timeZone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }).formatToParts(new Date(nowMs));
      const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
      return { date: `${get("year")}-${get("month")}-${get("day")}`, minutes: Number(get("hour")) * 60 + Number(get("minute")) };
    } catch {
      /* an unknown zone: this PC's clock */
    }
  }
  const d = new Date(nowMs);
  return { date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, minutes: d.getHours() * 60 + d.getMinutes() };
}

/** The quarter hour at or after `minutes`, kept on the grid's usual hours (a new appointment's
 * start). */
export function nextQuarter(minutes: number): number {
  const q = Math.ceil(minutes / SLOT_MIN) * SLOT_MIN;
  return Math.min(DAY_END_MIN - SLOT_MIN, Math.max(DAY_START_MIN, q));
}

/** "1 h 30", "45 min", "2 h". */
export function durationText(lang: Language, minutes: number): string {
  if (minutes < 60) return translate(lang, "agenda.minutes", { n: minutes });
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? translate(lang, "agenda.hours", { h }) : translate(lang, "agenda.hours_minutes", { h, m: pad(m) });
}

/** The durations offered, with `current` among them. */
export function durationChoices(current: number): number[] {
  return DURATIONS.includes(current) || current <= 0 ? [...DURATIONS] : [...DURATIONS, current].sort((a, b) => a - b);
}

/** "09:30–10:00". */
export function timeRange(a: Pick<Appointment, "starts_at" | "ends_at">): string {
  return `${timePart(a.starts_at)}–${timePart(a.ends_at)}`;
}

/** "25/11/2026 09:30–10:00". */
export function whenText(a: Pick<Appointment, "starts_at" | "ends_at">): string {
  return `${formatDate(datePart(a.starts_at))} ${timeRange(a)}`;
}

/** "25/11/2026 09:30" for a wall-clock time; anything else as given. */
export function formatAt(at: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(at) ? `${formatDate(datePart(at))} ${timePart(at)}` : at;
}

/** The appointments that still take their place on the day (hold their chair, as the Rust side
 * says: not cancelled, the patient not absent). */
export function liveCount(appointments: readonly Pick<Appointment, "holds_chair">[]): number {
  return appointments.filter((a) => a.holds_chair).length;
}

// ---------------------------------------------------------------- layout

type Timed = Pick<Appointment, "id" | "starts_at" | "duration_min" | "holds_chair">;

/** An appointment's start and end in minutes into its day (the end from its duration: the Rust
 * side writes an end at midnight as 23:59). */
export function span(a: Pick<Appointment, "starts_at" | "duration_min">): { start: number; end: number } {
  const start = minutesOf(timePart(a.starts_at)) ?? 0;
  return { start, end: start + Math.max(a.duration_min, 1) };
}

/** The grid's first and last minute: 07:00 to 21:00, widened to whole hours when something is
 * booked outside them (it must not be left off the screen). */
export function gridRange(appointments: readonly Pick<Appointment, "starts_at" | "duration_min">[]): { start: number; end: number } {
  let start = DAY_START_MIN;
  let end = DAY_END_MIN;
  for (const a of appointments) {
    const s = span(a);
    start = Math.min(start, Math.floor(s.start / 60) * 60);
    end = Math.max(end, Math.min(24 * 60, Math.ceil(s.end / 60) * 60));
  }
  return { start, end };
}

/** The share of a chair's column the cancelled and no-show blocks are drawn in, at its right. */
export const NARROW_SHARE = 0.28;

export type Placed<T> = {
  item: T;
  /** Minutes into the day. */
  start: number;
  end: number;
  /** Shares of the chair's column, 0 to 1. */
  left: number;
  width: number;
  /** A cancelled or no-show block, drawn narrow and faded. */
  narrow: boolean;
};

/** Lanes for blocks that overlap: each block in the first lane free at its start, and the lane
 * count of each group of blocks that overlap one another, directly or not. */
function lanes<T extends Timed>(items: readonly T[]): { item: T; start: number; end: number; lane: number; lanes: number; group: number }[] {
  const sorted = items
    .map((item) => ({ item, ...span(item) }))
    .sort((a, b) => a.start - b.start || b.end - a.end || a.item.id.localeCompare(b.item.id));
  const out: { item: T; start: number; end: number; lane: number; lanes: number; group: number }[] = [];
  let groupEnd = -1;
  let group = -1;
  let laneEnds: number[] = [];
  let members: typeof out = [];
  const close = () => {
    for (const m of members) m.lanes = laneEnds.length;
  };
  for (const s of sorted) {
    if (s.start >= groupEnd) {
      close();
      group++;
      laneEnds = [];
      members = [];
    }
    let lane = laneEnds.findIndex((end) => end <= s.start);
    if (lane < 0) {
      lane = laneEnds.length;
      laneEnds.push(s.end);
    } else {
      laneEnds[lane] = s.end;
    }
    const placed = { ...s, lane, lanes: 1, group };
    out.push(placed);
    members.push(placed);
    groupEnd = Math.max(groupEnd, s.end);
  }
  close();
  return out;
}

/**
 * Where each of a chair's blocks goes: blocks that overlap side by side; the cancelled and
 * no-show ones narrow at the column's right, so they never hide a live one nor the free slot
 * under them (the live blocks beside them leave that strip free).
 */
export function placeBlocks<T extends Timed>(items: readonly T[]): Placed<T>[] {
  const live = lanes(items.filter((a) => a.holds_chair));
  const idle = lanes(items.filter((a) => !a.holds_chair));
  const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;
  // A group of live blocks leaves the narrow strip free when a cancelled or no-show block lies
  // beside any of them.
  const squeezed = new Set<number>();
  for (const l of live) if (idle.some((i) => overlaps(l, i))) squeezed.add(l.group);
  const out: Placed<T>[] = [];
  for (const l of live) {
    const room = squeezed.has(l.group) ? 1 - NARROW_SHARE : 1;
    out.push({ item: l.item, start: l.start, end: l.end, left: (room * l.lane) / l.lanes, width: room / l.lanes, narrow: false });
  }
  for (const i of idle) {
    const w = NARROW_SHARE / i.lanes;
    out.push({ item: i.item, start: i.start, end: i.end, left: 1 - NARROW_SHARE + w * i.lane, width: w, narrow: true });
  }
  return out;
}

/** The appointments named by `ids` (an appointment's `overlaps_with`) among those known here. */
export function appointmentsById(appointments: readonly Appointment[], ids: readonly string[]): Appointment[] {
  return ids.map((id) => appointments.find((a) => a.id === id)).filter((a): a is Appointment => a !== undefined);
}

// ---------------------------------------------------------------- booking form

/** What the booking dialog edits: a new appointment (`id` null) or an existing one. */
export type BookingForm = {
  id: string | null;
  patient: PatientRef | null;
  chair_id: string;
  date: string;
  /** "09:30" */
  start: string;
  duration_min: number;
  reason: string;
  /** "" when none is named. */
  practitioner_id: string;
};

export function newBookingForm(chairId: string, date: string, start: string, patient: PatientRef | null = null): BookingForm {
  return { id: null, patient, chair_id: chairId, date, start, duration_min: DEFAULT_DURATION_MIN, reason: "", practitioner_id: "" };
}

export function formFromAppointment(a: Appointment): BookingForm {
  return {
    id: a.id,
    patient: a.patient,
    chair_id: a.chair_id,
    date: datePart(a.starts_at),
    start: timePart(a.starts_at),
    duration_min: a.duration_min,
    reason: a.reason,
    practitioner_id: a.practitioner_id ?? "",
  };
}

/** What is missing before the form can be sent (a convenience: the Rust side checks the rest). */
export function bookingProblem(f: BookingForm): MessageKey | null {
  if (!f.patient) return "agenda.need_patient";
  if (!f.chair_id) return "agenda.need_chair";
  if (!isIsoDate(f.date) || minutesOf(f.start) === null) return "agenda.need_time";
  return null;
}

/** The request of book_appointment / update_appointment. */
export function bookingInput(f: BookingForm, allowOverlap: boolean): AppointmentInput {
  const req: AppointmentInput = {
    patient_id: f.patient?.id ?? "",
    chair_id: f.chair_id,
    starts_at: joinAt(f.date, f.start),
    duration_min: f.duration_min,
    reason: f.reason.trim(),
    allow_overlap: allowOverlap,
  };
  if (f.practitioner_id) req.practitioner_id = f.practitioner_id;
  return req;
}

/** The chair, time and duration of the form: the chair_taken warning holds while they stay. */
export function slotKey(f: Pick<BookingForm, "chair_id" | "date" | "start" | "duration_min">): string {
  return [f.chair_id, f.date, f.start, f.duration_min].join(" ");
}

/** The chairs the form offers: those in service, and the appointment's own when it is out of
 * service now (so the select shows it). */
export function chairChoices(chairs: readonly Chair[], current: string): Chair[] {
  return chairs.filter((c) => c.active || c.id === current);
}

// ---------------------------------------------------------------- status buttons

export type StatusAction = "arrived" | "completed" | "no_show" | "cancel" | "restore";

/** The buttons the details offer for an appointment in this status, in their order. "Rétablir"
 * puts it back to booked (a cancellation, an absence or an arrival marked by mistake). */
export function statusActions(status: AppointmentStatus): StatusAction[] {
  switch (status) {
    case "booked":
      return ["arrived", "completed", "no_show", "cancel"];
    case "arrived":
      return ["completed", "cancel", "restore"];
    case "completed":
      return ["restore"];
    case "no_show":
    case "cancelled":
      return ["restore"];
  }
}

/** The status a button sets. */
export function actionStatus(action: StatusAction): AppointmentStatus {
  return action === "cancel" ? "cancelled" : action === "restore" ? "booked" : action;
}
