import { describe, expect, it } from "vitest";
import type { SyncSummary } from "./bindings";
import { en, fr } from "./i18n";
import {
  canRevoke,
  carriedText,
  notSeenSinceNames,
  prefetchedText,
  clockOffText,
  clocksOffText,
  offsetAmount,
  conflictsText,
  enrollCommand,
  eodFilesCheckedText,
  eodFilesText,
  expiryText,
  filesRetiredText,
  filesSentText,
  redactedText,
  rejoinedText,
  formatBytes,
  formatDuration,
  filesRefusedOnText,
  heldBackText,
  relayRoomText,
  CONFLICT_REASONS,
  INTEGRITY_REASONS,
  isProofRefused,
  isRecoveryNotRenewed,
  revokedFlash,
  NOT_READY_REASONS,
  REFUSAL_REASONS,
  initialRelayUrl,
  isExpired,
  joinNames,
  keyLines,
  recoveryKeyNotice,
  loadRelayUrl,
  minutesLeft,
  notSeenText,
  receivedText,
  RELAY_STORAGE_KEY,
  relayArg,
  relayFieldAfter,
  relayUrlProblem,
  restoreCommand,
  saveRelayUrl,
  sentText,
  shellQuote,
  shortId,
  shortWhen,
  sortDevices,
  SYNC_ERROR_CODES,
  syncErrorText,
  whenLabel,
  withSize,
} from "./sync";

const at = (y: number, m: number, d: number, h = 0, min = 0) => new Date(y, m - 1, d, h, min).getTime();
const NOW = at(2025, 3, 14, 16, 30);

const summary = (over: Partial<SyncSummary> = {}): SyncSummary => ({
  relay_url: "https://relais.example",
  relay_in_clear: false,
  files_held_back: null,
  sent: 3,
  received: 12,
  bytes_sent: 3690,
  bytes_received: 11820,
  files_sent: 0,
  file_bytes_sent: 0,
  redacted: 0,
  files_retired: 0,
  carried: 0,
  checksums_match: true,
  streams: [],
  duration_ms: 1234,
  clock_offset_ms: 350,
  clock_off: false,
  files_prefetched: 0,
  ...over,
});

describe("syncErrorText", () => {
  it("explains every sync code in both languages", () => {
    for (const lang of ["fr", "en"] as const) {
      for (const code of SYNC_ERROR_CODES) {
        const text = syncErrorText(lang, { code, message: "the relay refused: quota" });
        expect(text, `${lang}:${code}`).not.toBe("the relay refused: quota");
        expect(text).not.toMatch(/^sync\./);
      }
    }
  });

  it("says the changes are kept when the relay cannot be reached", () => {
    const text = syncErrorText("fr", { code: "sync_unreachable", message: "the relay at x cannot be reached" });
    expect(text).toBe(fr["sync.error_unreachable"]);
    expect(text).toMatch(/restent sur ce poste/);
    expect(text).toMatch(/prochaine synchronisation/);
    expect(syncErrorText("en", { code: "sync_unreachable", message: "" })).toMatch(/next sync/);
    expect(syncErrorText("en", { code: "sync_unreachable", message: "" }, "devices")).toBe(
      en["sync.error_unreachable_devices"],
    );
  });

  it("keeps the relay's words for a refusal and the detail of an integrity failure", () => {
    expect(syncErrorText("en", { code: "sync_refused", message: "the relay refused: quota exceeded" })).toBe(
      "The relay refused the sync (the relay refused: quota exceeded).",
    );
    expect(syncErrorText("fr", { code: "integrity", message: "record 3 of device d2 was rejected" })).toContain(
      "record 3 of device d2 was rejected",
    );
  });

  it("words each refusal, integrity failure and unready case by its reason, in both languages", () => {
    const cases: [string, readonly string[], string][] = [
      ["sync_refused", REFUSAL_REASONS, "sync.refused_"],
      ["integrity", INTEGRITY_REASONS, "sync.integrity_"],
      ["sync_not_ready", NOT_READY_REASONS, "sync.not_ready_"],
      ["conflict", CONFLICT_REASONS, "sync.conflict_"],
    ];
    for (const lang of ["fr", "en"] as const) {
      const dict = lang === "fr" ? fr : en;
      const seen = new Set<string>();
      for (const [code, reasons, prefix] of cases) {
        for (const reason of reasons) {
          const text = syncErrorText(lang, { code, reason, message: "the relay refused: English words" });
          const key = `${prefix}${reason}` as keyof typeof fr;
          expect(dict[key], key).toBeDefined();
          expect(text, key).toBe(dict[key].replace("{detail}", "the relay refused: English words"));
          seen.add(text);
        }
      }
      // No two reasons share a text.
      expect(seen.size).toBe(
        REFUSAL_REASONS.length + INTEGRITY_REASONS.length + NOT_READY_REASONS.length + CONFLICT_REASONS.length,
      );
    }
    // Refusals are told without the relay's English; an integrity failure keeps it for the support.
    expect(syncErrorText("fr", { code: "sync_refused", reason: "rate_limited", message: "slow down" })).not.toContain(
      "slow down",
    );
    expect(
      syncErrorText("fr", { code: "integrity", reason: "diverged", message: "the log of device d2 differs" }),
    ).toContain("Détail technique : the log of device d2 differs");
    // The relay's own code for a pairing code that is wrong: the user is told to ask for another.
    expect(syncErrorText("fr", { code: "sync_refused", reason: "bad_code", message: "x" })).toMatch(/nouveau/);
  });

  it("tells an untrusted relay certificate with its cause, for the clinic's IT", () => {
    const untrusted = {
      code: "sync_not_ready",
      reason: "relay_not_trusted",
      message: "this PC does not trust the relay at https://relay: its certificate has expired. Nothing was sent.",
    };
    const text = syncErrorText("fr", untrusted);
    expect(text).toMatch(/^Ce poste ne reconnaît pas le certificat du relais/);
    expect(text).toContain("its certificate has expired");
    expect(syncErrorText("en", untrusted)).toMatch(/^This PC does not recognise the relay's certificate/);
  });

  it("tells a relay that does not know this PC, and who can join it", () => {
    const unknown = { code: "sync_not_ready", reason: "unknown_to_relay", message: "the relay does not know this PC" };
    expect(syncErrorText("fr", unknown)).toMatch(/^Ce relais ne connaît pas ce poste.*le titulaire rattache ce poste/);
    expect(syncErrorText("en", unknown)).toMatch(/^This relay does not know this PC/);
  });

  it("tells a recovery key renewed on another PC: sync this one first", () => {
    const elsewhere = {
      code: "conflict",
      reason: "recovery_renewed_elsewhere",
      message: "the recovery key was renewed on another PC a moment ago: sync this PC, then show the key (it is the new one); renew it again only if needed",
    };
    const fr1 = syncErrorText("fr", elsewhere, "devices");
    expect(fr1).toMatch(/^La clé de secours vient d'être renouvelée sur un autre poste/);
    expect(fr1).toMatch(/Synchronisez ce poste/);
    expect(fr1).not.toContain("sync this PC");
    expect(syncErrorText("en", elsewhere, "devices")).toMatch(/^The recovery key was just renewed on another PC.*Sync this PC/);
    // Not the common "already exists" of a conflict.
    expect(fr1).not.toBe(fr["error.conflict"]);
  });

  it("tells a revocation whose renewal failed: the PC is revoked, renew the key now", () => {
    const notRenewed = {
      code: "conflict",
      reason: "recovery_not_renewed",
      message: "the PC is revoked, but the clinic's recovery key could not be renewed (the relay cannot be reached): renew it",
    };
    expect(isRecoveryNotRenewed(notRenewed)).toBe(true);
    const text = syncErrorText("fr", notRenewed, "devices");
    expect(text).toMatch(/^Le poste est révoqué, mais la clé de secours du cabinet n'a pas pu être renouvelée/);
    expect(text).toContain("« Renouveler la clé »");
    expect(text).toContain(
      "Détail : the PC is revoked, but the clinic's recovery key could not be renewed (the relay cannot be reached)",
    );
    const english = syncErrorText("en", notRenewed, "devices");
    expect(english).toMatch(/^The PC is revoked, but/);
    expect(english).toContain("“Renew the key”");
    expect(isRecoveryNotRenewed({ ...notRenewed, reason: "recovery_renewed_elsewhere" })).toBe(false);
    expect(isRecoveryNotRenewed({ code: "sync_unreachable", message: "x" })).toBe(false);
    // The button named in the texts is the one the recovery key section shows.
    expect(text).toContain(fr["recovery.renew"]);
    expect(english).toContain(en["recovery.renew"]);
  });

  it("tells a data key renewed after a revocation and not shared with this PC yet: sync the owner's PC", () => {
    const notShared = {
      code: "sync_not_ready",
      reason: "key_not_shared",
      message:
        "the clinic's data key was renewed (a PC was revoked) and no PC has shared the new key with this one yet: this PC's changes were sent, nothing was received. Sync another PC of the clinic (the owner's), then this one again.",
    };
    const text = syncErrorText("fr", notShared);
    expect(text).toBe(fr["sync.not_ready_key_not_shared"]);
    expect(text).toMatch(/^La clé de chiffrement du cabinet a été renouvelée après la révocation d'un poste/);
    expect(text).toMatch(/les modifications de ce poste ont été envoyées, mais rien n'a encore été reçu/);
    expect(text).toMatch(/Synchronisez un autre poste du cabinet \(celui du titulaire\), puis de nouveau celui-ci\.$/);
    expect(text).not.toContain("data key");
    const english = syncErrorText("en", notShared);
    expect(english).toBe(en["sync.not_ready_key_not_shared"]);
    expect(english).toMatch(/^The practice's encryption key was renewed after a PC was revoked/);
    expect(english).toMatch(/Sync another PC of the practice \(the owner's\), then this one again\.$/);
    // Worded the same on the devices page: it is not the "no relay set" of the place.
    expect(syncErrorText("fr", notShared, "devices")).toBe(text);
  });

  it("tells a data key renewed on another PC a moment ago: sync this one, then try again", () => {
    const elsewhere = {
      code: "conflict",
      reason: "key_renewed_elsewhere",
      message: "the clinic's data key was renewed on another PC a moment ago: sync this PC, then try again",
    };
    const text = syncErrorText("fr", elsewhere, "devices");
    expect(text).toBe(
      "La clé de chiffrement du cabinet vient d'être renouvelée sur un autre poste. Synchronisez ce poste (en haut de cette page), puis réessayez.",
    );
    expect(syncErrorText("en", elsewhere, "devices")).toBe(
      "The practice's encryption key was just renewed on another PC. Sync this PC (at the top of this page), then try again.",
    );
    expect(text).not.toBe(fr["error.conflict"]);
    expect(isRecoveryNotRenewed(elsewhere)).toBe(false);
  });

  it("tells a rejected copy of the renewed data key, with the detail for the support", () => {
    const bad = {
      code: "integrity",
      reason: "bad_key_share",
      message: "the share of device d2 did not open",
    };
    const text = syncErrorText("fr", bad);
    expect(text).toMatch(/^La copie, sur le relais, de la clé de chiffrement renouvelée du cabinet a été refusée/);
    expect(text).toMatch(/rien n'en a été utilisé\. Prévenez le titulaire du cabinet\./);
    expect(text).toContain("Détail technique : the share of device d2 did not open");
    expect(syncErrorText("en", bad)).toBe(
      "The relay's copy of the practice's renewed encryption key was rejected (damaged or altered copy): nothing of it was used. Tell the practice owner. Technical detail: the share of device d2 did not open",
    );
    // An empty detail still reads.
    expect(syncErrorText("en", { ...bad, message: " " })).toMatch(/Technical detail: \?$/);
  });

  it("keeps the common wording for any other conflict", () => {
    expect(syncErrorText("fr", { code: "conflict", message: "username taken" }, "devices")).toBe(fr["error.conflict"]);
    expect(syncErrorText("en", { code: "conflict", reason: "other", message: "x" }, "devices")).toBe(en["error.conflict"]);
  });

  it("names the PCs not seen today with when they last synced", () => {
    const yesterday = at(2025, 3, 13, 18, 2);
    const names = notSeenSinceNames("fr", [
      { device_name: "Fauteuil 2", last_seen_ms: yesterday },
      { device_name: "Portable", last_seen_ms: null },
    ], NOW);
    expect(names).toEqual(["Fauteuil 2 (dernière synchronisation hier à 18:02)", "Portable (jamais synchronisé)"]);
    expect(notSeenText("fr", names)).toBe(
      "2 postes ne se sont pas synchronisés aujourd'hui : Fauteuil 2 (dernière synchronisation hier à 18:02) et Portable (jamais synchronisé).",
    );
    expect(notSeenSinceNames("en", [{ device_name: "Fauteuil 2", last_seen_ms: yesterday }], NOW)).toEqual([
      "Fauteuil 2 (last synced yesterday at 18:02)",
    ]);
  });

  it("counts the changes of other PCs brought to the relay", () => {
    expect(carriedText("fr", 1)).toBe("1 modification d'autres postes apportée au relais, qui ne l'avait pas");
    expect(prefetchedText("fr", 1)).toBe("1 fichier des patients attendus aujourd'hui et demain téléchargé à l'avance");
    expect(prefetchedText("fr", 12)).toBe("12 fichiers des patients attendus aujourd'hui et demain téléchargés à l'avance");
    expect(prefetchedText("en", 2)).toBe("2 files of the patients booked today and tomorrow fetched ahead");
    expect(carriedText("fr", 1200)).toMatch(/^1\s?200 modifications d'autres postes apportées/);
    expect(carriedText("en", 2)).toBe("2 changes of other PCs brought to the relay, which lacked them");
  });

  it("reads the relay's revoked as a revoked PC wherever it happens", () => {
    const revoked = { code: "permission_denied", reason: "revoked", message: "the relay refused: revoked" };
    expect(syncErrorText("fr", revoked, "devices")).toBe(fr["sync.error_revoked"]);
    expect(syncErrorText("fr", revoked, "sync")).toBe(fr["sync.error_revoked"]);
  });

  it("asks for the relay URL when none is set, in the words of the place", () => {
    expect(syncErrorText("fr", { code: "sync_not_ready", message: "no relay" })).toBe(fr["sync.error_not_ready"]);
    expect(syncErrorText("fr", { code: "sync_not_ready", message: "no relay" }, "devices")).toBe(
      fr["sync.error_not_ready_devices"],
    );
  });

  it("reads a refusal to sync as a revoked PC, elsewhere as the role", () => {
    expect(syncErrorText("en", { code: "permission_denied", message: "revoked" })).toBe(en["sync.error_revoked"]);
    expect(syncErrorText("en", { code: "permission_denied", message: "no" }, "devices")).toBe(
      en["error.permission_denied"],
    );
  });

  it("explains a bad relay URL and falls back to the common texts", () => {
    expect(
      syncErrorText("fr", {
        code: "invalid_input",
        message: '"relais.example" is not a relay URL: give one starting with http:// or https://',
      }),
    ).toBe(fr["sync.error_bad_url"]);
    expect(syncErrorText("en", { code: "invalid_input", message: "device_id: this PC cannot revoke itself" })).toBe(
      "Invalid input: device_id: this PC cannot revoke itself",
    );
    expect(syncErrorText("fr", { code: "not_found", message: "x" })).toBe(fr["error.not_found"]);
  });
});

describe("files the relay has no room for", () => {
  it("says how many wait here, why, and who can make room", () => {
    const quota = { reason: "quota_exceeded", waiting: 1, detail: "this clinic keeps 49.9 GB of files at the relay" };
    expect(heldBackText("fr", quota)).toBe(
      "En attente sur ce poste : 1 fichier, car la place réservée au cabinet sur le relais est pleine. Les rendez-vous, notes et schémas sont bien synchronisés ; ces fichiers restent sur ce poste et partiront dès qu'il y aura de la place. Demandez à la personne qui gère le relais d'augmenter le quota du cabinet.",
    );
    expect(heldBackText("en", { ...quota, waiting: 3 })).toMatch(/^Waiting on this PC: 3 files, because the practice's space/);
    expect(heldBackText("en", { ...quota, waiting: 3 })).toMatch(/raise the practice's quota/);
    const full = { reason: "storage_full", waiting: 2, detail: "the relay has no space left" };
    expect(heldBackText("fr", full)).toMatch(/^En attente sur ce poste : 2 fichiers, car le disque du relais est plein\./);
    expect(heldBackText("en", full)).toMatch(/Tell whoever runs the relay\.$/);
  });

  it("names the PCs whose files the relay refused today", () => {
    expect(filesRefusedOnText("fr", ["Fauteuil 2", "Accueil"])).toBe(
      "Fichiers refusés aujourd'hui faute de place sur le relais, en attente sur : Fauteuil 2 et Accueil.",
    );
    expect(filesRefusedOnText("en", ["Fauteuil 2"])).toBe("Files refused today for lack of room at the relay, waiting on: Fauteuil 2.");
  });

  it("shows the practice's file space at the relay against its quota", () => {
    const room = { used_bytes: 45 * 1024 ** 3, quota_bytes: 50 * 1024 ** 3, nearly_full: true };
    expect(relayRoomText("fr", room)).toBe("Espace des fichiers du cabinet sur le relais : 45 Go utilisés sur 50 Go (90 %).");
    expect(relayRoomText("en", { ...room, used_bytes: 512 * 1024 ** 2 })).toBe(
      "The practice's file space at the relay: 512 MB used of 50 GB (1%).",
    );
    // Past a soft quota, the figure says so.
    expect(relayRoomText("en", { ...room, used_bytes: 51 * 1024 ** 3 })).toMatch(/\(102%\)/);
  });

  it("tells a full relay that refused the whole sync, saying nothing is lost", () => {
    const err = { code: "sync_refused", reason: "storage_full", message: "the relay refused: the relay has no space left" };
    expect(syncErrorText("fr", err)).toBe(fr["sync.refused_storage_full"]);
    expect(syncErrorText("fr", err)).toMatch(/Rien n'est perdu/);
    expect(syncErrorText("en", err)).toMatch(/^The relay's disk is full/);
  });
});

describe("relay URL", () => {
  it("sends the typed URL, or null for the remembered one", () => {
    expect(relayArg("  https://r.example  ")).toBe("https://r.example");
    expect(relayArg("   ")).toBeNull();
  });

  it("wants http or https", () => {
    expect(relayUrlProblem("")).toBeNull();
    expect(relayUrlProblem("https://relais.example:8443")).toBeNull();
    expect(relayUrlProblem("HTTP://192.168.1.10:8080")).toBeNull();
    expect(relayUrlProblem("relais.example")).toBe("bad_scheme");
    expect(relayUrlProblem("https://")).toBe("bad_scheme");
    expect(relayUrlProblem("ftp://x")).toBe("bad_scheme");
  });

  it("starts from the last summary, else the stored URL", () => {
    expect(initialRelayUrl(summary(), "https://old.example")).toBe("https://relais.example");
    expect(initialRelayUrl(null, "https://old.example")).toBe("https://old.example");
    expect(initialRelayUrl(undefined, "")).toBe("");
  });

  it("is kept in the given storage, never empty", () => {
    const data = new Map<string, string>();
    const storage = { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
    expect(loadRelayUrl(storage)).toBe("");
    saveRelayUrl(storage, " https://r.example ");
    expect(data.get(RELAY_STORAGE_KEY)).toBe("https://r.example");
    saveRelayUrl(storage, "  ");
    expect(loadRelayUrl(storage)).toBe("https://r.example");
    expect(loadRelayUrl(null)).toBe("");
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
    };
    expect(loadRelayUrl(broken)).toBe("");
    expect(() => saveRelayUrl(broken, "https://r.example")).not.toThrow();
  });
});

describe("numbers and times", () => {
  it("formats sizes in powers of 1024, in each language's units", () => {
    expect(formatBytes("fr", 0)).toBe("0 o");
    expect(formatBytes("fr", 512)).toBe("512 o");
    expect(formatBytes("fr", 1536)).toBe("1,5 Ko");
    expect(formatBytes("en", 1536)).toBe("1.5 KB");
    expect(formatBytes("fr", 24 * 1024 + 100)).toBe("24 Ko");
    expect(formatBytes("en", 5 * 1024 * 1024)).toBe("5 MB");
    expect(formatBytes("fr", 3.25 * 1024 ** 3)).toBe("3,3 Go");
    expect(formatBytes("en", -5)).toBe("0 B");
    expect(formatBytes("en", Number.NaN)).toBe("0 B");
  });

  it("formats durations", () => {
    expect(formatDuration("fr", 400)).toBe("0,4 s");
    expect(formatDuration("en", 1234)).toBe("1.2 s");
    expect(formatDuration("fr", 12_300)).toBe("12 s");
    expect(formatDuration("fr", 125_000)).toBe("2 min 5 s");
    expect(formatDuration("en", 120_000)).toBe("2 min");
    expect(formatDuration("en", -1)).toBe("0 s");
  });

  it("says when, relative to today", () => {
    expect(whenLabel("fr", at(2025, 3, 14, 14, 5), NOW)).toBe("aujourd'hui à 14:05");
    expect(whenLabel("en", at(2025, 3, 13, 17, 40), NOW)).toBe("yesterday at 17:40");
    expect(whenLabel("fr", at(2025, 3, 1, 9, 0), NOW)).toBe("le 01/03/2025 à 09:00");
    expect(whenLabel("fr", Number.NaN, NOW)).toBe("");
    expect(shortWhen(at(2025, 3, 14, 9, 5), NOW)).toBe("09:05");
    expect(shortWhen(at(2025, 3, 15, 0, 20), NOW)).toBe("15/03/2025 00:20");
  });

  it("counts changes with the right plural", () => {
    expect(sentText("fr", 0)).toBe("0 modification envoyée");
    expect(sentText("fr", 1)).toBe("1 modification envoyée");
    expect(sentText("fr", 3)).toBe("3 modifications envoyées");
    expect(sentText("en", 0)).toBe("0 changes sent");
    expect(receivedText("en", 1)).toBe("1 change received");
    expect(receivedText("fr", 12)).toBe("12 modifications reçues");
    expect(withSize("fr", sentText("fr", 3), 1536)).toBe("3 modifications envoyées (1,5 Ko)");
  });

  it("counts the files sent", () => {
    expect(filesSentText("fr", 1)).toBe("1 fichier envoyé");
    expect(filesSentText("fr", 2)).toBe("2 fichiers envoyés");
    expect(filesSentText("en", 1)).toBe("1 file sent");
    expect(withSize("en", filesSentText("en", 3), 3 * 1024 * 1024)).toBe("3 files sent (3 MB)");
    expect(redactedText("fr", 2)).toBe("2 envois antérieurs remplacés sur le relais sans l'identité d'un patient effacé");
    expect(redactedText("en", 1)).toBe("1 earlier change set replaced at the relay without an erased patient's identity");
    expect(filesRetiredText("fr", 1)).toBe(
      "1 radiographie remplacée sur le relais par sa copie sans l'identité d'un patient effacé",
    );
    expect(filesRetiredText("en", 3)).toBe(
      "3 radiographs replaced at the relay by their copies without an erased patient's identity",
    );
  });
});

describe("end of day", () => {
  it("joins names", () => {
    expect(joinNames("fr", [])).toBe("");
    expect(joinNames("fr", ["Accueil"])).toBe("Accueil");
    expect(joinNames("fr", ["Accueil", "Fauteuil 1"])).toBe("Accueil et Fauteuil 1");
    expect(joinNames("en", ["A", "B", "C"])).toBe("A, B and C");
  });

  it("says which PCs did not sync today", () => {
    expect(notSeenText("fr", [])).toBe("Tous les postes se sont synchronisés aujourd'hui.");
    expect(notSeenText("fr", ["Fauteuil 1"])).toBe("1 poste ne s'est pas synchronisé aujourd'hui : Fauteuil 1.");
    expect(notSeenText("en", ["Chair 1", "Laptop"])).toBe("2 PCs did not sync today: Chair 1 and Laptop.");
    expect(notSeenText("en", ["  "])).toBe(en["eod.all_seen"]);
  });

  it("counts the duplicates waiting", () => {
    expect(conflictsText("fr", 0)).toBe(fr["eod.conflicts_none"]);
    expect(conflictsText("fr", 1)).toBe("1 élément attend une décision (doublon possible, modification simultanée ou double réservation).");
    expect(conflictsText("en", 4)).toBe("4 items are waiting for a decision (possible duplicates, concurrent edits, double bookings).");
  });

  it("tells the files sent and those still waiting here", () => {
    expect(eodFilesText("fr", 0, 0)).toBe("Aucun fichier envoyé ; tous les fichiers de ce poste sont sur le relais.");
    expect(eodFilesText("fr", 2, 1)).toBe("2 fichiers envoyés ; 1 fichier attend encore d'être envoyé depuis ce poste.");
    expect(eodFilesText("en", 1, 3)).toBe("1 file sent; 3 files are still waiting to be sent from this PC.");
  });

  it("tells the check of this PC's files at the relay, and the files it had lost", () => {
    expect(eodFilesCheckedText("fr", 0, 0, 0)).toBe(fr["eod.files_checked_none"]);
    expect(eodFilesCheckedText("fr", null, 0, 0)).toBe(fr["eod.files_check_unsupported"]);
    expect(eodFilesCheckedText("en", null, 0, 0)).toBe(en["eod.files_check_unsupported"]);
    expect(eodFilesCheckedText("fr", 1, 0, 0)).toBe("1 fichier de ce poste vérifié sur le relais : il y est entier.");
    expect(eodFilesCheckedText("fr", 1234, 0, 0)).toBe(
      "1\u202f234 fichiers de ce poste vérifiés sur le relais : ils y sont tous, entiers.",
    );
    expect(eodFilesCheckedText("fr", 1, 1, 1)).toBe("Le relais avait perdu 1 des fichiers de ce poste : il lui a été renvoyé.");
    expect(eodFilesCheckedText("fr", 12, 3, 3)).toBe(
      "Le relais avait perdu 3 des 12 fichiers de ce poste : 3 lui ont été renvoyés.",
    );
    expect(eodFilesCheckedText("en", 12, 3, 3)).toBe("The relay had lost 3 of this PC's 12 files: 3 were sent again.");
    expect(eodFilesCheckedText("en", 1, 0, 0)).toBe("1 file of this PC checked at the relay: it is there, whole.");
  });
});

describe("clocks", () => {
  it("says an offset's size as a person reads it, whichever way", () => {
    expect(offsetAmount("fr", 40_000)).toBe("40 s");
    expect(offsetAmount("en", -40_000)).toBe("40 s");
    expect(offsetAmount("fr", 59_600)).toBe("1 min");
    expect(offsetAmount("fr", -3 * 60_000)).toBe("3 min");
    expect(offsetAmount("en", 3 * 60_000 + 10_000)).toBe("3 min");
    expect(offsetAmount("fr", 7_500_000)).toBe("2 h 05");
    expect(offsetAmount("en", 7_500_000)).toBe("2 h 5 min");
    expect(offsetAmount("fr", 2 * 3_600_000)).toBe("2 h");
    expect(offsetAmount("en", -2 * 3_600_000)).toBe("2 h");
    expect(offsetAmount("fr", 47 * 3_600_000 + 40 * 60_000)).toBe("47 h 40");
    expect(offsetAmount("fr", 3 * 86_400_000)).toBe("3 jours");
    expect(offsetAmount("en", -3 * 86_400_000 - 3_600_000)).toBe("3 days");
    expect(offsetAmount("fr", 48 * 3_600_000)).toBe("2 jours");
    expect(offsetAmount("fr", 1234 * 86_400_000)).toBe("1\u202f234 jours");
  });

  it("tells this PC's clock off, ahead or behind, and what to do", () => {
    expect(clockOffText("fr", 7_500_000)).toBe(
      "L'horloge de ce poste avance de 2 h 05 sur celle du relais : réglez la date et l'heure du système (ou activez la mise à l'heure automatique). D'ici là, ses modifications l'emportent sur celles des autres postes, même plus récentes.",
    );
    expect(clockOffText("fr", -420_000)).toBe(
      "L'horloge de ce poste retarde de 7 min sur celle du relais : réglez la date et l'heure du système (ou activez la mise à l'heure automatique). D'ici là, ses modifications cèdent devant celles des autres postes, même plus anciennes.",
    );
    expect(clockOffText("en", 7_500_000)).toBe(
      "This PC's clock runs 2 h 5 min ahead of the relay's: set the system's date and time (or turn on automatic time). Until then, its changes win over the other PCs', even newer ones.",
    );
    expect(clockOffText("en", -420_000)).toMatch(/^This PC's clock runs 7 min behind the relay's: /);
  });

  it("names the PCs whose clock is off in the end-of-day report", () => {
    expect(clocksOffText("fr", [])).toBe("");
    expect(clocksOffText("fr", [{ device_name: "Fauteuil 2", offset_ms: 7_500_000 }])).toBe(
      "Horloge à régler : Fauteuil 2 (avance de 2 h 05).",
    );
    const two = [
      { device_name: "Fauteuil 2", offset_ms: 7_500_000 },
      { device_name: "Accueil", offset_ms: -420_000 },
    ];
    expect(clocksOffText("fr", two)).toBe("Horloges à régler : Fauteuil 2 (avance de 2 h 05) et Accueil (retarde de 7 min).");
    expect(clocksOffText("en", [two[0]])).toBe("Clock to set: Fauteuil 2 (2 h 5 min ahead).");
    expect(clocksOffText("en", two)).toBe("Clocks to set: Fauteuil 2 (2 h 5 min ahead) and Accueil (7 min behind).");
  });
});

describe("pairing a new PC", () => {
  const expires = at(2025, 3, 14, 17, 29);

  it("counts the minutes left, rounded up", () => {
    expect(minutesLeft(expires, NOW)).toBe(59);
    expect(minutesLeft(expires, expires - 1)).toBe(1);
    expect(minutesLeft(expires, expires + 5000)).toBe(0);
    expect(isExpired(expires, expires - 1)).toBe(false);
    expect(isExpired(expires, expires)).toBe(true);
  });

  it("tells until when the code is valid, then that it expired", () => {
    expect(expiryText("fr", expires, NOW)).toBe("Valable jusqu'à 17:29 (encore 59 min), pour un seul poste.");
    expect(expiryText("en", expires, NOW)).toBe("Valid until 17:29 (59 min left), for one PC only.");
    expect(expiryText("fr", expires, expires + 1)).toBe("Ce code a expiré à 17:29 : créez-en un nouveau.");
  });

  it("gives the exact command for the new PC", () => {
    expect(enrollCommand({ code: "K7QX-M2PD", relay_url: "https://relais.example:8443" })).toBe(
      "chairside device enroll --relay https://relais.example:8443 --code K7QX-M2PD",
    );
    expect(enrollCommand({ code: "K7QX-M2PD", relay_url: "https://r.example/?a=1&b=2" })).toBe(
      "chairside device enroll --relay 'https://r.example/?a=1&b=2' --code K7QX-M2PD",
    );
  });

  it("quotes for the shell only when needed", () => {
    expect(shellQuote("plain-word_1.2")).toBe("plain-word_1.2");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote("a b")).toBe("'a b'");
  });
});

describe("devices", () => {
  const d = (name: string, revoked = false, this_device = false) => ({ id: name, name, revoked, this_device, enrolled_at_ms: 0 });

  it("lists this PC first, then the active ones, then the revoked ones", () => {
    const sorted = sortDevices([d("Zeta", true), d("beta"), d("Accueil", false, true), d("Alpha")]);
    expect(sorted.map((x) => x.name)).toEqual(["Accueil", "Alpha", "beta", "Zeta"]);
  });

  it("revokes neither this PC nor a revoked one", () => {
    expect(canRevoke(d("x"))).toBe(true);
    expect(canRevoke(d("x", false, true))).toBe(false);
    expect(canRevoke(d("x", true))).toBe(false);
  });

  it("shortens long ids", () => {
    expect(shortId("3f2a91c4-07be-4c1e-9d2a-1b2c3d4e5f60")).toBe("3f2a91c4…");
    expect(shortId("d1")).toBe("d1");
  });
});

describe("revocation", () => {
  it("says the recovery key was renewed with the PC, and what to do with the old sheet", () => {
    expect(revokedFlash("fr", "Fauteuil 1", false, [])).toBe("Le poste « Fauteuil 1 » est révoqué.");
    expect(revokedFlash("en", "Fauteuil 1", false, [])).toBe("The PC “Fauteuil 1” is revoked.");
    const fr1 = revokedFlash("fr", "Fauteuil 1", true, []);
    expect(fr1).toMatch(/^Le poste « Fauteuil 1 » est révoqué, et la clé de secours du cabinet a été renouvelée/);
    expect(fr1).toMatch(/l'ancienne feuille imprimée ne fonctionne plus/);
    expect(fr1).toMatch(/Imprimez la nouvelle clé/);
    const en1 = revokedFlash("en", "Fauteuil 1", true, []);
    expect(en1).toMatch(/^The PC “Fauteuil 1” is revoked, and the practice's recovery key was renewed/);
    expect(en1).toMatch(/old printed sheet no longer works/);
    // The clinic's data key was renewed with it: the revoked PC cannot read what is written next.
    expect(fr1).toMatch(/La clé de chiffrement du cabinet a aussi été renouvelée : le poste révoqué ne pourra pas lire ce qui sera enregistré désormais/);
    expect(en1).toMatch(/The practice's encryption key was renewed too: the revoked PC cannot read what is written from now on/);
    expect(en1).toMatch(/Print the new recovery key/);
  });

  it("names the PCs still waiting for the new encryption key, after the rest", () => {
    const fr1 = revokedFlash("fr", "Fauteuil 1", true, ["Accueil", "Fauteuil 2"]);
    expect(fr1.startsWith(revokedFlash("fr", "Fauteuil 1", true, []))).toBe(true);
    expect(fr1).toMatch(
      /Imprimez la nouvelle clé de secours \(« Clé de secours du cabinet », plus bas sur cette page\)\. Ces postes n'ont pas encore la nouvelle clé de chiffrement : Accueil et Fauteuil 2\. Chacun la recevra après sa prochaine synchronisation \(puis celle d'un autre poste\) ; d'ici là, il envoie ses modifications mais n'en reçoit pas\.$/,
    );
    const en1 = revokedFlash("en", "Fauteuil 1", true, ["Accueil", "Fauteuil 2"]);
    expect(en1.startsWith(revokedFlash("en", "Fauteuil 1", true, []))).toBe(true);
    expect(en1).toMatch(
      /These PCs do not hold the new encryption key yet: Accueil and Fauteuil 2\. Each receives it after its next sync \(then another PC's\); until then it sends its changes but receives none\.$/,
    );
    // Three or more: commas, then the last one.
    expect(revokedFlash("en", "Fauteuil 1", true, ["A", "B", "C"])).toMatch(/yet: A, B and C\./);
    // One alone: in the singular.
    expect(revokedFlash("fr", "Fauteuil 1", false, ["Accueil"])).toBe(
      "Le poste « Fauteuil 1 » est révoqué. Ce poste n'a pas encore la nouvelle clé de chiffrement : Accueil. Il la recevra après sa prochaine synchronisation (puis celle d'un autre poste) ; d'ici là, il envoie ses modifications mais n'en reçoit pas.",
    );
    expect(revokedFlash("en", "Fauteuil 1", false, ["Accueil"])).toMatch(/^The PC “Fauteuil 1” is revoked\. This PC does not hold the new encryption key yet: Accueil\. It receives it/);
    // Blank names say nothing more.
    expect(revokedFlash("fr", "Fauteuil 1", false, [" "])).toBe("Le poste « Fauteuil 1 » est révoqué.");
  });
});

describe("the relay field after a sync", () => {
  const summary = (relay_url: string, followed_to?: string) => ({ relay_url, ...(followed_to ? { followed_to } : {}) });
  it("keeps what was typed, fills an empty field, and takes the relay a move led to", () => {
    expect(relayFieldAfter("https://old.example", summary("https://old.example"))).toBe("https://old.example");
    expect(relayFieldAfter("  ", summary("https://r.example"))).toBe("https://r.example");
    // Followed: the old address would send the next "sync now" through the relay the clinic left.
    expect(relayFieldAfter("https://old.example", summary("https://new.example", "https://new.example"))).toBe(
      "https://new.example",
    );
    expect(relayFieldAfter("https://old.example", null)).toBe("https://old.example");
  });
});

describe("joining a relay", () => {
  it("says whether the other PCs follow or are joined by hand", () => {
    const moved = rejoinedText("fr", { outcome: "registered_clinic", old_relay: "left" });
    expect(moved).toBe(`${fr["sync.rejoined_registered_clinic"]} ${fr["sync.rejoined_others_follow"]}`);
    expect(moved).toContain("suivront d'eux-mêmes");
    expect(rejoinedText("en", { outcome: "joined_clinic", old_relay: "not_left" })).toBe(
      `${en["sync.rejoined_joined_clinic"]} ${en["sync.rejoined_others_by_hand"]}`,
    );
    // The relay had lost the clinic (same address): the others are joined by hand.
    expect(rejoinedText("fr", { outcome: "registered_clinic", old_relay: "no_move" })).toBe(
      `${fr["sync.rejoined_registered_clinic"]} ${fr["sync.rejoined_others_join"]}`,
    );
    expect(rejoinedText("fr", { outcome: "already_known", old_relay: "no_move" })).toBe(fr["sync.rejoined_already_known"]);
  });

  it("offers a pairing code when the relay refuses this PC's recovery proof, and only then", () => {
    const refused = {
      code: "sync_refused",
      reason: "proof_refused",
      message: "the relay at https://relais.example holds the clinic but does not take this PC's recovery key",
    };
    expect(isProofRefused(refused)).toBe(true);
    // Another refusal, another reason, something else not found: not this.
    expect(isProofRefused({ ...refused, reason: "bad_code" })).toBe(false);
    expect(isProofRefused({ ...refused, reason: "not_found" })).toBe(false);
    expect(isProofRefused({ ...refused, reason: undefined })).toBe(false);
    expect(isProofRefused({ ...refused, code: "not_found" })).toBe(false);
    expect(isProofRefused({ code: "sync_not_ready", reason: "unknown_to_relay", message: "the relay does not know this PC" })).toBe(false);
    expect(isProofRefused(null)).toBe(false);
  });
});

describe("recovery key", () => {
  const key = "AGRAM-Q42XF-7KD3M-PZ6WN-B4T2Y-HC9QE-R5JXA-M3VLU-2NGD7";

  it("is shown in lines of four groups", () => {
    expect(keyLines(key)).toEqual(["AGRAM-Q42XF-7KD3M-PZ6WN", "B4T2Y-HC9QE-R5JXA-M3VLU", "2NGD7"]);
    expect(keyLines(" AGRAM Q42XF ", 1)).toEqual(["AGRAM", "Q42XF"]);
    expect(keyLines("")).toEqual([]);
  });

  it("shows a renewed key (20 groups of five and one of four) in full, the short group last", () => {
    const groups = Array.from({ length: 20 }, (_, i) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".slice(i, i + 5));
    const renewed = `${groups.join("-")}-WXYZ`;
    expect(renewed.replace(/-/g, "")).toHaveLength(104);
    const lines = keyLines(renewed);
    expect(lines).toEqual([
      groups.slice(0, 4).join("-"),
      groups.slice(4, 8).join("-"),
      groups.slice(8, 12).join("-"),
      groups.slice(12, 16).join("-"),
      groups.slice(16, 20).join("-"),
      "WXYZ",
    ]);
    // Nothing lost or added: read back, the lines are the key.
    expect(lines.join("-")).toBe(renewed);
    // Typed without dashes, with spaces or in lower case, it is grouped the same.
    expect(keyLines(renewed.replace(/-/g, " "))).toEqual(lines);
    // A first key: four lines of four groups.
    const first = Array.from({ length: 16 }, () => "AGRAM").join("-");
    expect(keyLines(first)).toHaveLength(4);
    expect(keyLines(first).every((l) => l.split("-").length === 4)).toBe(true);
  });

  it("says what the relay said of the key shown", () => {
    expect(recoveryKeyNotice("fr", { renewed_elsewhere: false })).toBeNull();
    expect(recoveryKeyNotice("fr", { renewed_elsewhere: true })).toEqual({
      kind: "renewed_elsewhere",
      text: fr["recovery.renewed_elsewhere"],
    });
    const offline = recoveryKeyNotice("fr", {
      renewed_elsewhere: false,
      unchecked: { code: "sync_unreachable", message: "the relay at https://r.example cannot be reached" },
    });
    expect(offline?.kind).toBe("unchecked");
    // The cause in words, after what to do: sync, then show the key again.
    expect(offline?.text).toContain("synchronisez, puis affichez-la de nouveau");
    expect(offline?.text).toContain(fr["sync.error_unreachable_devices"]);
    const revoked = recoveryKeyNotice("en", {
      renewed_elsewhere: false,
      unchecked: { code: "permission_denied", reason: "revoked", message: "the relay refused: this device was revoked" },
    });
    expect(revoked?.text).toContain(en["sync.error_revoked"]);
    // Unchecked wins: a key the relay did not confirm is not said to be the renewed one.
    expect(recoveryKeyNotice("en", { renewed_elsewhere: true, unchecked: { code: "sync_unreachable", message: "" } })?.kind).toBe(
      "unchecked",
    );
  });

  it("comes with the restore command", () => {
    expect(restoreCommand("https://r.example", key)).toBe(
      `chairside recovery restore --relay https://r.example --recovery-key ${key}`,
    );
  });
});
