import { describe, expect, it } from "vitest";
import type { SyncStatus, SyncSummary } from "./bindings";
import { en, fr } from "./i18n";
import {
  agoText,
  inText,
  joiningStatusText,
  joiningStep,
  percentOf,
  progressDetails,
  progressFraction,
  syncHeaderView,
  waitingText,
  waitingWhat,
} from "./syncstatus";

const at = (y: number, m: number, d: number, h = 0, min = 0, s = 0) => new Date(y, m - 1, d, h, min, s).getTime();
const NOW = at(2025, 3, 14, 16, 30);

const status = (over: Partial<SyncStatus> = {}): SyncStatus => ({
  state: "up_to_date",
  relay_url: "https://relais.example",
  last_success_ms: NOW - 2 * 60_000,
  last_attempt_ms: NOW - 2 * 60_000 - 1500,
  changes_waiting: 0,
  files_waiting: 0,
  files_held_back: null,
  error: null,
  next_attempt_ms: NOW + 45_000,
  progress: null,
  clock_offset_ms: 350,
  clock_off: false,
  ...over,
});

const summary = (over: Partial<SyncSummary> = {}): SyncSummary => ({
  relay_url: "https://relais.example",
  relay_in_clear: false,
  files_held_back: null,
  sent: 0,
  received: 0,
  bytes_sent: 0,
  bytes_received: 0,
  files_sent: 0,
  file_bytes_sent: 0,
  redacted: 0,
  files_retired: 0,
  carried: 0,
  checksums_match: true,
  streams: [],
  duration_ms: 500,
  clock_offset_ms: 350,
  clock_off: false,
  files_prefetched: 0,
  ...over,
});

const view = (s: SyncStatus | null, over: { running?: boolean; last?: Parameters<typeof syncHeaderView>[1]["last"] } = {}, lang: "fr" | "en" = "fr") =>
  syncHeaderView(lang, { running: over.running ?? false, status: s, last: over.last ?? null }, NOW);

describe("relative times", () => {
  it("says how long ago", () => {
    expect(agoText("fr", NOW - 20_000, NOW)).toBe("à l'instant");
    expect(agoText("fr", NOW + 5000, NOW)).toBe("à l'instant"); // a clock slightly ahead
    expect(agoText("fr", NOW - 2 * 60_000, NOW)).toBe("il y a 2 min");
    expect(agoText("en", NOW - 59 * 60_000, NOW)).toBe("59 min ago");
    expect(agoText("fr", NOW - 3 * 3_600_000, NOW)).toBe("il y a 3 h");
    expect(agoText("fr", at(2025, 3, 13, 17, 40), NOW)).toBe("hier à 17:40");
  });

  it("says in how long", () => {
    expect(inText("fr", NOW - 1000, NOW)).toBe("maintenant");
    expect(inText("fr", NOW + 30_000, NOW)).toBe("dans 30 s");
    expect(inText("en", NOW + 4 * 60_000 + 1, NOW)).toBe("in 4 min");
    expect(inText("fr", NOW + 61_000, NOW)).toBe("dans 1 min");
    expect(inText("fr", at(2025, 3, 14, 18, 5), NOW)).toBe("à 18:05");
  });
});

describe("what waits to be sent", () => {
  it("counts changes and files", () => {
    expect(waitingWhat("fr", 0, 0)).toBe("");
    expect(waitingWhat("fr", 1, 0)).toBe("1 modification");
    expect(waitingWhat("fr", 3, 2)).toBe("3 modifications et 2 fichiers");
    expect(waitingWhat("en", 0, 1)).toBe("1 file");
    expect(waitingText("fr", 3, 2)).toBe("3 modifications et 2 fichiers en attente d'envoi.");
    expect(waitingText("en", 0, 0)).toBe(en["syncstatus.nothing_waiting"]);
  });
});

describe("syncHeaderView", () => {
  it("names the day of an old success once", () => {
    const v = view(status({ state: "error", last_success_ms: at(2025, 3, 12, 9, 0) }));
    expect(v.details[0]).toBe("Dernière synchronisation réussie le 12/03/2025 à 09:00.");
  });

  it("shows an up-to-date sync with its age, and what waits since", () => {
    const v = view(status());
    expect(v.tone).toBe("ok");
    expect(v.text).toBe("À jour · il y a 2 min");
    expect(v.details).toContain("Dernière synchronisation réussie il y a 2 min (aujourd'hui à 16:28).");
    expect(v.details).toContain("Prochaine synchronisation automatique : dans 45 s.");
    expect(v.details).toContain("Relais : https://relais.example");
    expect(v.message).toBeNull();
    expect(view(status({ changes_waiting: 2, files_waiting: 1 }), {}, "en").text).toBe("Synced 2 min ago · 3 waiting");
  });

  it("tells files held back for lack of room at the relay while the rest is up to date", () => {
    const held = { reason: "quota_exceeded", waiting: 2, detail: "quota" };
    const v = view(status({ files_waiting: 2, files_held_back: held }));
    expect(v.tone).toBe("ok");
    expect(v.text).toBe("Synchro il y a 2 min · 2 en attente");
    expect(v.message).toMatch(/^En attente sur ce poste : 2 fichiers, car la place réservée au cabinet/);
    expect(v.title).toContain(v.message);
    // A later failure is told instead (the held-back files are the last success's news).
    expect(view(status({ state: "offline", files_held_back: held, error: { code: "sync_unreachable", message: "" } })).message).toMatch(
      /relais/,
    );
    expect(view(status({ state: "offline", files_held_back: held, error: { code: "sync_unreachable", message: "" } })).message).not.toMatch(
      /quota/,
    );
  });

  it("asks to set this PC's clock when it is off the relay's, the sync itself up to date", () => {
    const v = view(status({ clock_offset_ms: 7_500_000, clock_off: true }));
    expect(v.tone).toBe("ok");
    expect(v.text).toBe(fr["syncstatus.pill_clock_off"]);
    expect(v.headline).toBe(fr["syncstatus.headline_ok"]);
    expect(v.message).toBe(
      "L'horloge de ce poste avance de 2 h 05 sur celle du relais : réglez la date et l'heure du système (ou activez la mise à l'heure automatique). D'ici là, ses modifications l'emportent sur celles des autres postes, même plus récentes.",
    );
    expect(v.title).toContain(`Détail : ${v.message}`);
    const behind = view(status({ clock_offset_ms: -420_000, clock_off: true }), {}, "en");
    expect(behind.text).toBe("Set this PC's clock");
    expect(behind.message).toMatch(/^This PC's clock runs 7 min behind the relay's: /);

    // Files held back first, then the clock.
    const held = { reason: "quota_exceeded", waiting: 2, detail: "quota" };
    const both = view(status({ files_waiting: 2, files_held_back: held, clock_offset_ms: 7_500_000, clock_off: true }));
    expect(both.message).toMatch(/^En attente sur ce poste : 2 fichiers, .* L'horloge de ce poste avance de 2 h 05 /);

    // A failure is told alone, and a running sync says so.
    const error = { code: "sync_unreachable", message: "" };
    const offline = view(status({ state: "offline", error, clock_offset_ms: 7_500_000, clock_off: true }));
    expect(offline.text).toBe("Hors ligne");
    expect(offline.message).toBe(fr["sync.error_unreachable"]);
    expect(view(status({ clock_offset_ms: 7_500_000, clock_off: true }), { running: true }).message).toBeNull();
  });

  it("says nothing of a clock that is right, or not measured", () => {
    // Whether a clock is off is the Rust side's rule (`clock_off`); the header follows it.
    for (const clock_offset_ms of [350, -299_999, null, 7_500_000]) {
      const v = view(status({ clock_offset_ms, clock_off: false }));
      expect(v.tone).toBe("ok");
      expect(v.text).toBe("À jour · il y a 2 min");
      expect(v.message).toBeNull();
    }
  });

  it("shows a sync under way, from here or from the background", () => {
    expect(view(status({ state: "syncing" })).tone).toBe("running");
    const v = view(status(), { running: true }, "en");
    expect(v.tone).toBe("running");
    expect(v.text).toBe("Syncing…");
    expect(v.details.some((d) => d.startsWith("Next"))).toBe(false);
  });

  it("shows offline with what waits and the next attempt, the failure in the user's words", () => {
    const error = {
      code: "sync_unreachable",
      message: "the relay at https://relais.example cannot be reached (connection refused)",
    };
    const v = view(status({ state: "offline", changes_waiting: 3, error, next_attempt_ms: NOW + 30_000 }));
    expect(v.tone).toBe("offline");
    expect(v.text).toBe("Hors ligne — 3 modifications en attente");
    expect(v.details).toContain("Nouvel essai : dans 30 s.");
    expect(v.message).toBe(fr["sync.error_unreachable"]);
    expect(v.title).toContain(`Détail : ${fr["sync.error_unreachable"]}`);
    expect(v.title).not.toContain("cannot be reached");
    expect(view(status({ state: "offline", error }), {}, "en").message).toBe(en["sync.error_unreachable"]);
    expect(view(status({ state: "offline" }), {}, "en").text).toBe("Offline");
    expect(view(status({ state: "offline", changes_waiting: 3, files_waiting: 2 })).text).toBe("Hors ligne — 5 en attente");
    expect(view(status({ state: "offline", files_waiting: 1 }), {}, "en").text).toBe("Offline — 1 file waiting");
  });

  it("tells waiting for approval, not configured and an error apart", () => {
    const waits = { code: "sync_not_ready", reason: "waiting_for_approval", message: "this PC's request to join waits" };
    expect(view(status({ state: "waiting_for_approval", error: waits }))).toMatchObject({
      tone: "waiting",
      text: "En attente d'approbation",
      message: fr["sync.not_ready_waiting_for_approval"],
    });
    const off = view(status({ state: "not_configured", relay_url: null, last_success_ms: null, next_attempt_ms: null }));
    expect(off.tone).toBe("off");
    expect(off.details).not.toContain(fr["syncstatus.never_synced"]);
    const revoked = { code: "permission_denied", reason: "revoked", message: "the relay refused: this device was revoked" };
    const err = view(status({ state: "error", error: revoked }), {}, "en");
    expect(err.tone).toBe("error");
    expect(err.text).toBe("Sync error");
    expect(err.message).toBe(en["sync.error_revoked"]);
    // A refusal the UI has no words of its own for keeps the relay's.
    const odd = { code: "sync_refused", reason: "something_new", message: "the relay refused: odd" };
    expect(view(status({ state: "error", error: odd }), {}, "en").message).toBe(
      "The relay refused the sync (the relay refused: odd).",
    );
  });

  it("shows checksums that differ until a later sync succeeds", () => {
    const last = { at_ms: NOW - 60_000, summary: summary({ checksums_match: false }), error: null };
    expect(view(status({ last_success_ms: NOW - 61_000 }), { last }).tone).toBe("mismatch");
    expect(view(status({ last_success_ms: NOW - 1000 }), { last }).tone).toBe("ok");
  });

  it("says when it is not known yet or never synced", () => {
    expect(view(null)).toMatchObject({ tone: "idle", text: "Synchronisation", details: [] });
    const v = view(status({ state: "idle", last_success_ms: null }), {}, "en");
    expect(v.text).toBe("Not synced yet");
    expect(v.details).toContain(en["syncstatus.never_synced"]);
    expect(view(status({ state: "idle" })).tone).toBe("ok");
  });
});

describe("joining a clinic", () => {
  it("follows what this window did, else what the relay says", () => {
    expect(joiningStep("join", "syncing")).toBe("join");
    expect(joiningStep("restore", null)).toBe("restore");
    expect(joiningStep(null, "waiting_for_approval")).toBe("waiting");
    expect(joiningStep(null, "syncing")).toBe("receiving");
    expect(joiningStep(null, null)).toBe("receiving");
  });

  it("says what the background sync is doing, the next attempt as a time of day", () => {
    const next = at(2025, 3, 14, 16, 40);
    expect(joiningStatusText("fr", status({ state: "waiting_for_approval", next_attempt_ms: next }), NOW)).toBe(
      "Le relais indique que la demande attend toujours l'approbation. Prochaine vérification automatique à 16:40.",
    );
    expect(joiningStatusText("en", status({ state: "offline", next_attempt_ms: NOW - 1 }), NOW)).toBe(en["joining.status_offline"]);
    expect(joiningStatusText("fr", null, NOW)).toBe(fr["joining.status_unknown"]);
    expect(joiningStatusText("fr", status({ state: "syncing" }), NOW)).toBe(fr["joining.status_syncing"]);
    expect(joiningStatusText("en", status({ state: "syncing" }), NOW, true)).toBe(en["joining.status_downloading"]);
    expect(joiningStatusText("fr", status({ state: "up_to_date" }), NOW)).toBe(fr["joining.status_done"]);
  });
});

describe("a running sync's progress", () => {
  const progress = (to_receive: number, received: number, to_send = 0, sent = 0) => ({
    to_receive,
    received,
    to_send,
    sent,
    files_to_send: 0,
    files_sent: 0,
    file_bytes_to_send: 0,
    file_bytes_sent: 0,
  });
  const MB = 1024 * 1024;
  /** Ten change sets sent and a 40 MB CBCT volume on its way: 10 MB of it crossed. */
  const scan = { ...progress(0, 0, 10, 10), files_to_send: 2, files_sent: 0, file_bytes_to_send: 40 * MB, file_bytes_sent: 10 * MB };

  it("is a fraction of everything to exchange, shown only for a sync worth watching", () => {
    expect(progressFraction(null)).toBeNull();
    expect(progressFraction(progress(40, 10, 20, 0))).toBeNull();
    expect(progressFraction(progress(80_000, 12_000, 0, 0))).toBe(0.15);
    expect(progressFraction(progress(900, 900, 100, 50))).toBe(0.95);
    // A file worth watching is enough on its own, and its bytes weigh as they cross: the ten
    // sets sent are next to nothing beside the volume.
    expect(progressFraction(scan)).toBeCloseTo((10 * 512 + 10 * MB) / (10 * 512 + 40 * MB), 9);
    expect(percentOf(progressFraction(scan)!)).toBe(25);
    expect(progressFraction({ ...progress(10, 0), files_to_send: 1, file_bytes_to_send: 300_000 })).toBeNull();
    expect(progressFraction({ ...scan, files_sent: 2, file_bytes_sent: 40 * MB })).toBe(1);
    expect(percentOf(0.999)).toBe(99);
    expect(percentOf(1)).toBe(100);
  });

  it("tells the joining PC how much of the clinic has arrived", () => {
    const downloading = status({ state: "syncing", progress: progress(80_000, 12_400) });
    expect(joiningStatusText("fr", downloading, NOW, true)).toBe(
      "Téléchargement des données du cabinet : 12\u202f400 modifications reçues sur 80\u202f000 (15 %)…",
    );
    expect(joiningStatusText("en", downloading, NOW, true)).toBe(
      "Downloading the practice's data: 12,400 of 80,000 changes received (15%)…",
    );
    // The window that asked to join sees the same once the owner approved.
    expect(joiningStatusText("en", downloading, NOW, false)).toContain("12,400 of 80,000 changes received");
    // Too little to count: the plain sentence.
    const small = status({ state: "syncing", progress: progress(12, 3) });
    expect(joiningStatusText("en", small, NOW, true)).toBe(en["joining.status_downloading"]);
  });

  it("shows in the header while the sync runs, and not after", () => {
    const running = view(status({ state: "syncing", progress: progress(2_000, 500, 10, 10) }));
    expect(running.tone).toBe("running");
    expect(running.text).toBe("Synchronisation… 25 %");
    expect(running.details).toContain("Reçues : 500 modifications sur 2\u202f000.");
    expect(running.details).toContain("Envoyées : 10 modifications sur 10.");
    const done = view(status({ state: "up_to_date", progress: progress(2_000, 2_000) }));
    expect(done.text).not.toContain("%");
    expect(progressDetails("en", progress(0, 0, 5_000, 1_000))).toEqual(["Sent: 1,000 of 5,000 changes."]);
    // The files sent, counted apart.
    const sending = view(status({ state: "syncing", progress: scan }));
    expect(sending.text).toBe("Synchronisation… 25 %");
    expect(sending.details).toContain("Fichiers envoyés : 0 sur 2 (10 Mo sur 40 Mo).");
    expect(progressDetails("en", { ...scan, files_sent: 1, file_bytes_sent: 31.5 * MB })).toEqual([
      "Sent: 10 of 10 changes.",
      "Files sent: 1 of 2 (32 MB of 40 MB).",
    ]);
  });
});
