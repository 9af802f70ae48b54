// DEV ONLY. The agenda commands of the mock (see the top of mock.ts): two chairs, a day of
// appointments today, a double booking waiting in the inbox. The mock refuses a booking onto a
// chair held then by a live appointment (chair_taken) in its own simple way, to look at the
// screens; the product's rules are the Rust side's.
import type {
  AgendaDay,
  Appointment,
  AppointmentInput,
  AppointmentStatus,
  Chair,
  ChairInput,
  DoubleBooking,
  ChairHoldersRequest,
  PatientAppointments,
  KeepDoubleBookingRequest,
  PatientRef,
  Permission,
  Practitioner,
} from "../bindings";
import { addDays, datePart, joinAt, span, STATUSES, timeOf, timePart, wallClock } from "../agenda";

type Handler = (req: never, args: Record<string, unknown>) => Promise<unknown>;

/** What the agenda mock needs from the rest of the mock. */
export type AgendaHost = {
  allowed: (perm: Permission) => boolean;
  patient: (id: unknown) => (PatientRef & { erased_at_ms: number | null }) | undefined;
  /** The file a file's reads go to (the kept file of a merge). */
  survivor: (id: string) => string;
  /** A file and those merged into it. */
  files: (id: string) => string[];
  user: () => { display_name: string } | null;
  /** The clinic's time zone: its wall clock says what "today" is. */
  timezone: () => string;
};

/** An appointment as the mock stores it. */
export type MockAppointment = {
  id: string;
  patient_id: string;
  chair_id: string;
  /** "" when none is named. */
  practitioner_id: string;
  starts_at: string;
  duration_min: number;
  reason: string;
  status: AppointmentStatus;
  booked_by_name: string;
  booked_at_ms: number;
};

const PRACTITIONERS: Practitioner[] = [
  { id: "u1", display_name: "Dr Amina Benali" },
  { id: "u4", display_name: "Dr Yacine Kaci" },
];

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The mock's own copy of the store's rule: booked, arrived and completed hold the chair. */
const isLive = (status: AppointmentStatus) => status === "booked" || status === "arrived" || status === "completed";
const fail = (code: string, message: string) => Promise.reject({ code, message });
const pairKey = (x: string, y: string) => (x < y ? `${x}+${y}` : `${y}+${x}`);
const overlap = (a: MockAppointment, b: MockAppointment) => {
  if (a.chair_id !== b.chair_id || datePart(a.starts_at) !== datePart(b.starts_at)) return false;
  const x = span(a);
  const y = span(b);
  return x.start < y.end && y.start < x.end;
};

export function createMockAgenda(host: AgendaHost, opts: { noChairs?: boolean } = {}) {
  const minute = 60_000;
  const day = 24 * 60 * minute;
  const now = Date.now();
  const clock = () => wallClock(host.timezone());
  const today = clock().date;

  const chairs: Chair[] = opts.noChairs
    ? []
    : [
        { id: "ch1", name: "Fauteuil 1", active: true },
        { id: "ch2", name: "Fauteuil 2", active: true },
      ];
  let chairCounter = chairs.length;

  // [patient, chair, day offset, time, minutes, reason, status, practitioner, booked by, booked days ago]
  const rows: [string, string, number, string, number, string, AppointmentStatus, string, string, number][] = [
    ["p1", "ch1", 0, "08:30", 30, "Contrôle", "completed", "u1", "Léa Martin", 20],
    ["p4", "ch1", 0, "09:00", 45, "Détartrage", "arrived", "u1", "Léa Martin", 12],
    ["p8", "ch1", 0, "10:00", 60, "Extraction 38", "booked", "u1", "Dr Amina Benali", 6],
    ["p14", "ch1", 0, "11:30", 30, "Contrôle (enfant)", "booked", "u4", "Léa Martin", 9],
    ["p7", "ch2", 0, "09:30", 30, "Blanchiment : consultation", "no_show", "", "Léa Martin", 15],
    ["p10", "ch2", 0, "10:30", 20, "Contrôle", "cancelled", "u4", "Léa Martin", 30],
    // Booked at two desks before they synced: Fauteuil 2 is held twice from 14:15 to 14:30.
    ["p5", "ch2", 0, "14:00", 30, "Consultation", "booked", "u4", "Karim Haddad", 1],
    ["p6", "ch2", 0, "14:15", 45, "Couronne : empreinte", "booked", "u1", "Dr Amina Benali", 1],
    ["p9", "ch2", 0, "16:00", 60, "Implant : pose", "booked", "u1", "Dr Amina Benali", 40],
    ["p2", "ch1", 0, "17:30", 30, "Contrôle", "booked", "", "Léa Martin", 3],
    ["p13", "ch1", 1, "11:00", 30, "Contrôle", "booked", "u1", "Léa Martin", 2],
    ["p1", "ch1", 7, "09:00", 45, "Soins 36", "booked", "u1", "Léa Martin", 1],
    ["p1", "ch2", -30, "10:00", 30, "Détartrage", "completed", "u1", "Léa Martin", 60],
    ["p1", "ch1", -90, "15:00", 30, "Contrôle", "no_show", "u4", "Karim Haddad", 120],
  ];
  const appointments: MockAppointment[] = opts.noChairs
    ? []
    : rows.map(([patient_id, chair_id, offset, time, duration_min, reason, status, practitioner_id, by, ago], i) => ({
        id: `a${i + 1}`, patient_id, chair_id, practitioner_id, starts_at: joinAt(addDays(today, offset), time), duration_min,
        reason, status, booked_by_name: by, booked_at_ms: now - ago * day,
      }));
  let appointmentCounter = appointments.length;

  /** Pairs a person kept ("Garder les deux", or booked on purpose with "Réserver quand même"). */
  const kept = new Set<string>();
  /** When each double booking was first seen. */
  const foundAt = new Map<string, number>([[pairKey("a7", "a8"), now - 3 * 60 * minute]]);

  const find = (id: unknown) => appointments.find((a) => a.id === id);
  const chairOf = (id: string) => chairs.find((c) => c.id === id);
  const refOf = (patientId: string): PatientRef => {
    const p = host.patient(host.survivor(patientId));
    return p
      ? { id: p.id, file_number: p.file_number, last_name: p.last_name, first_name: p.first_name }
      : { id: patientId, file_number: "?", last_name: "", first_name: "" };
  };
  /** The live appointments sharing a minute of `a`'s chair. */
  const overlapping = (a: MockAppointment) => appointments.filter((b) => b.id !== a.id && isLive(b.status) && overlap(a, b));

  const dto = (a: MockAppointment): Appointment => {
    const s = span(a);
    const out: Appointment = {
      id: a.id, patient: refOf(a.patient_id), chair_id: a.chair_id, chair_name: chairOf(a.chair_id)?.name ?? "?",
      starts_at: a.starts_at, ends_at: joinAt(datePart(a.starts_at), s.end >= 24 * 60 ? "23:59" : timeOf(s.end)),
      duration_min: a.duration_min, reason: a.reason, status: a.status, booked_by_name: a.booked_by_name,
      booked_at_ms: a.booked_at_ms,
      // The pairs waiting for a person: not those kept on purpose.
      holds_chair: isLive(a.status),
      overlaps_with: isLive(a.status) ? overlapping(a).filter((b) => !kept.has(pairKey(a.id, b.id))).map((b) => b.id) : [],
    };
    const practitioner = PRACTITIONERS.find((p) => p.id === a.practitioner_id);
    if (practitioner) {
      out.practitioner_id = practitioner.id;
      out.practitioner_name = practitioner.display_name;
    }
    return out;
  };

  /** The live overlapping pairs no one kept, the earlier-starting first. */
  const doubleBookings = (): DoubleBooking[] => {
    const out: DoubleBooking[] = [];
    const live = appointments.filter((a) => isLive(a.status)).sort((a, b) => a.starts_at.localeCompare(b.starts_at) || a.id.localeCompare(b.id));
    for (let i = 0; i < live.length; i++) {
      for (let j = i + 1; j < live.length; j++) {
        const [first, second] = [live[i], live[j]];
        const key = pairKey(first.id, second.id);
        if (!overlap(first, second) || kept.has(key)) continue;
        let at = foundAt.get(key);
        if (at === undefined) foundAt.set(key, (at = Date.now()));
        out.push({ chair_id: first.chair_id, chair_name: chairOf(first.chair_id)?.name ?? "?", first: dto(first), second: dto(second), found_at_ms: at });
      }
    }
    return out;
  };

  /** The checks of a booking or a move, as the Rust side words them; null when all is well. */
  const problem = (r: AppointmentInput, existing: MockAppointment | null): { code: string; message: string } | null => {
    const p = host.patient(r.patient_id);
    if (!p) return { code: "not_found", message: `no patient with id ${r.patient_id}` };
    if (p.erased_at_ms !== null)
      return { code: "patient_erased", message: `file ${p.file_number} was erased on request (GDPR): it cannot be booked; create a new file if the person comes back` };
    const chair = chairOf(r.chair_id);
    if (!chair) return { code: "invalid_input", message: `chair_id: no chair with id ${r.chair_id}` };
    if (!chair.active && (!existing || existing.chair_id !== chair.id))
      return { code: "invalid_input", message: `chair_id: ${chair.name} is out of service: choose a chair in service` };
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$/.exec(r.starts_at.trim());
    if (!m) return { code: "invalid_input", message: `starts_at: ${JSON.stringify(r.starts_at)} is not a date and time: write it as YYYY-MM-DDTHH:MM (2026-11-25T09:30)` };
    if (Number(m[3]) % 5 !== 0) return { code: "invalid_input", message: `starts_at: an appointment starts on a 5-minute step: ${m[2]}:${m[3]} is not on one` };
    const d = r.duration_min;
    if (!Number.isInteger(d) || d < 5 || d > 480 || d % 5 !== 0)
      return { code: "invalid_input", message: `duration_min: a duration of ${d} min is not allowed: give 5 to 480 minutes in steps of 5` };
    if (Number(m[2]) * 60 + Number(m[3]) + d > 24 * 60)
      return { code: "invalid_input", message: `duration_min: an appointment starting at ${r.starts_at} for ${d} min would run past midnight: book it earlier or shorter` };
    if (r.practitioner_id && !PRACTITIONERS.some((x) => x.id === r.practitioner_id))
      return { code: "invalid_input", message: `practitioner_id: no practitioner with id ${r.practitioner_id}` };
    if (r.reason.length > 200) return { code: "invalid_input", message: "reason: is longer than 200 characters" };
    return null;
  };

  /** chair_taken unless the person books on purpose; then the pairs are kept (not flagged). */
  const takenProblem = (a: MockAppointment, allowOverlap: boolean): { code: string; message: string } | null => {
    const others = overlapping(a);
    if (others.length === 0) return null;
    if (allowOverlap) {
      for (const b of others) kept.add(pairKey(a.id, b.id));
      return null;
    }
    const chair = chairOf(a.chair_id)?.name ?? a.chair_id;
    const list = others.map((b) => `${timePart(b.starts_at)}–${timePart(dto(b).ends_at)}`).join(", ");
    return {
      code: "chair_taken",
      message: `${chair} is taken then (${list}): choose another time or chair, or book anyway`,
    };
  };

  const today_ = () => clock().date;
  const nowAt = () => {
    const c = clock();
    return joinAt(c.date, timeOf(c.minutes));
  };
  const noAgenda = () => fail("permission_denied", "your role does not allow viewing the agenda");
  const noEdit = () => fail("permission_denied", "your role does not allow changing the agenda");

  const handlers: Record<string, Handler> = {
    agenda_day: async (_r: never, args: Record<string, unknown>): Promise<AgendaDay> => {
      await delay(120);
      if (!host.allowed("view_agenda")) return noAgenda();
      const date = String(args.date ?? "");
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return fail("invalid_input", `date: ${JSON.stringify(date)} is not a date YYYY-MM-DD`);
      const ofDay = appointments
        .filter((a) => datePart(a.starts_at) === date)
        .sort((a, b) => a.starts_at.localeCompare(b.starts_at) || a.chair_id.localeCompare(b.chair_id));
      // Chairs in service, and those out of service that still hold an appointment that day.
      const shown = chairs.filter((c) => c.active || ofDay.some((a) => a.chair_id === c.id));
      return { date, today: today_(), chairs: shown.map((c) => ({ ...c })), appointments: ofDay.map(dto), practitioners: PRACTITIONERS };
    },
    // The mock counts no command as activity: a refresh reads the same day.
    agenda_day_refresh: async (r: never, args: Record<string, unknown>) => (await handlers.agenda_day(r, args)) as AgendaDay,
    list_chairs: async () => {
      await delay(80);
      if (!host.allowed("view_agenda")) return noAgenda();
      // Those in service first.
      return [...chairs.filter((c) => c.active), ...chairs.filter((c) => !c.active)].map((c) => ({ ...c }));
    },
    save_chair: async (_r: never, args: Record<string, unknown>): Promise<Chair> => {
      await delay(200);
      if (!host.allowed("manage_settings")) return fail("permission_denied", "your role does not allow changing the practice's settings");
      const req = args.req as ChairInput;
      const name = req.name.trim();
      if (!name) return fail("invalid_input", "name: give the chair a name (Fauteuil 1, say)");
      if ([...name].length > 60) return fail("invalid_input", "name: a chair's name has at most 60 characters");
      const same = chairs.find((c) => c.id !== req.id && c.name.toLowerCase() === name.toLowerCase());
      if (same) return fail("invalid_input", `name: a chair is already called ${JSON.stringify(same.name)}: choose another name`);
      if (req.id === undefined || req.id === null) {
        const chair = { id: `ch${++chairCounter}`, name, active: req.active };
        chairs.push(chair);
        return { ...chair };
      }
      const chair = chairOf(req.id);
      if (!chair) return fail("not_found", `no chair with id ${req.id}`);
      chair.name = name;
      chair.active = req.active;
      return { ...chair };
    },
    book_appointment: async (_r: never, args: Record<string, unknown>): Promise<Appointment> => {
      await delay(250);
      if (!host.allowed("edit_agenda")) return noEdit();
      const req = args.req as AppointmentInput;
      const bad = problem(req, null);
      if (bad) return Promise.reject(bad);
      const a: MockAppointment = {
        id: `a${++appointmentCounter}`, patient_id: host.survivor(req.patient_id), chair_id: req.chair_id,
        practitioner_id: req.practitioner_id ?? "", starts_at: req.starts_at.trim(), duration_min: req.duration_min,
        reason: req.reason.trim(), status: "booked", booked_by_name: host.user()?.display_name ?? "?", booked_at_ms: Date.now(),
      };
      const taken = takenProblem(a, req.allow_overlap);
      if (taken) {
        appointmentCounter--;
        return Promise.reject(taken);
      }
      appointments.push(a);
      return dto(a);
    },
    update_appointment: async (_r: never, args: Record<string, unknown>): Promise<Appointment> => {
      await delay(250);
      if (!host.allowed("edit_agenda")) return noEdit();
      const a = find(args.id);
      if (!a) return fail("not_found", `no appointment with id ${args.id}`);
      const req = args.req as AppointmentInput;
      const bad = problem(req, a);
      if (bad) return Promise.reject(bad);
      const moved: MockAppointment = {
        ...a, patient_id: host.survivor(req.patient_id), chair_id: req.chair_id, practitioner_id: req.practitioner_id ?? "",
        starts_at: req.starts_at.trim(), duration_min: req.duration_min, reason: req.reason.trim(),
      };
      const taken = isLive(moved.status) ? takenProblem(moved, req.allow_overlap) : null;
      if (taken) return Promise.reject(taken);
      Object.assign(a, moved);
      return dto(a);
    },
    set_appointment_status: async (_r: never, args: Record<string, unknown>): Promise<Appointment> => {
      await delay(200);
      if (!host.allowed("edit_agenda")) return noEdit();
      const a = find(args.id);
      if (!a) return fail("not_found", `no appointment with id ${args.id}`);
      const status = String(args.status) as AppointmentStatus;
      if (!(STATUSES as readonly string[]).includes(status))
        return fail("invalid_input", `status: unknown status ${JSON.stringify(status)}: use booked, arrived, completed, no_show or cancelled`);
      // Restored onto a chair taken since: allowed, and the double booking waits in the inbox.
      a.status = status;
      return dto(a);
    },
    patient_appointments: async (_r: never, args: Record<string, unknown>): Promise<PatientAppointments> => {
      await delay(130);
      if (!host.allowed("view_agenda")) return noAgenda();
      const p = host.patient(args.patientId);
      if (!p) return fail("not_found", `no patient with id ${args.patientId}`);
      const files = host.files(host.survivor(p.id));
      const mine = appointments.filter((a) => files.includes(a.patient_id));
      const at = nowAt();
      const upcoming = mine.filter((a) => a.starts_at >= at).sort((a, b) => a.starts_at.localeCompare(b.starts_at));
      const past = mine.filter((a) => a.starts_at < at).sort((a, b) => b.starts_at.localeCompare(a.starts_at));
      return { coming: upcoming.map(dto), past: past.map(dto) };
    },
    chair_holders: async (_r: never, args: Record<string, unknown>): Promise<Appointment[]> => {
      await delay(80);
      if (!host.allowed("view_agenda")) return noAgenda();
      const req = args.req as ChairHoldersRequest;
      const probe: MockAppointment = {
        id: req.except_id ?? "", patient_id: "", chair_id: req.chair_id, practitioner_id: "", starts_at: req.starts_at,
        duration_min: req.duration_min, reason: "", status: "booked", booked_by_name: "", booked_at_ms: 0,
      };
      return appointments
        .filter((a) => a.id !== probe.id && isLive(a.status) && overlap(probe, a))
        .sort((a, b) => a.starts_at.localeCompare(b.starts_at))
        .map(dto);
    },
    keep_double_booking: async (_r: never, args: Record<string, unknown>): Promise<null> => {
      await delay(200);
      if (!host.allowed("edit_agenda")) return noEdit();
      const req = args.req as KeepDoubleBookingRequest;
      for (const id of [req.first_id, req.second_id]) if (!find(id)) return fail("not_found", `no appointment with id ${id}`);
      const key = pairKey(req.first_id, req.second_id);
      if (!doubleBookings().some((d) => pairKey(d.first.id, d.second.id) === key))
        return fail("not_found", "these two appointments are no longer a double booking: it was settled here or on another PC");
      kept.add(key);
      return null;
    },
  };

  /**
   * Taking a concurrent move's value (the inbox's "take the other value") is a move: the chair
   * rule holds for the appointment as it would stand. Null when it may be written (the pairs
   * kept when `allowOverlap`).
   */
  const takeProblem = (id: string, field: string, value: string, allowOverlap: boolean): { code: string; message: string } | null => {
    const a = find(id);
    if (!a || !["chair_id", "starts_at", "duration_min", "status"].includes(field) || !isLive((field === "status" ? value : a.status) as AppointmentStatus)) return null;
    const after: MockAppointment = { ...a, [field]: field === "duration_min" ? Number(value) : value };
    const problem = takenProblem(after, allowOverlap);
    return problem && { ...problem, message: problem.message.replace("choose another time or chair, or book anyway", "keep the appointment as it is now, or take the other value anyway") };
  };

  return { handlers, appointments, find, dto, doubleBookings, takeProblem };
}
