import { describe, expect, it } from "vitest";
import { en, fr } from "./i18n";
import { syncErrorText } from "./sync";
import {
  emptyJoinForm,
  formatPairingCode,
  joinFailure,
  joinFieldOrder,
  joinRequest,
  normalizePairingCode,
  pairingCodeProblem,
  problemText,
  recoveryKeyProblem,
  rejoinCodeFailure,
  restoreRequest,
  validateJoin,
  type JoinForm,
} from "./join";

const KEY = "AGRAM-Q42XF-7KD3M-PZ6WN-B4T2Y-HC3QE-R5JXA-M3VLU-2NGD7-WKF4S-Q6ZTB-6YHPC-EJ3MR-A7XUN-V5D2K-LQ4GA";

const form = (over: Partial<JoinForm> = {}): JoinForm => ({
  ...emptyJoinForm("https://relais.example"),
  code: "K7QX-M2PD",
  recovery_key: KEY,
  device_name: "Fauteuil 2",
  ...over,
});

describe("pairing code", () => {
  it("is compared in capitals without separators, and shown as XXXX-XXXX", () => {
    expect(normalizePairingCode(" k7qx m2pd ")).toBe("K7QXM2PD");
    expect(formatPairingCode("k7qxm2pd")).toBe("K7QX-M2PD");
    expect(formatPairingCode("k7q-x")).toBe("k7q-x");
  });

  it("tells what is wrong with it (the rule is Rust's: its refusal lands under the field)", () => {
    expect(pairingCodeProblem("K7QX-M2PD")).toBeNull();
    expect(pairingCodeProblem("k7qx m2pd")).toBeNull();
    expect(pairingCodeProblem("  ")).toEqual({ key: "join.code_required" });
    const refused = (message: string) => joinFailure("fr", "join", { code: "invalid_input", message });
    expect(refused("code: the pairing code has 8 characters, not 7")).toEqual({
      field: "code",
      problem: { key: "join.code_length", params: { n: 7 } },
    });
    expect(refused("code: the pairing code cannot contain 0 1 O")).toEqual({
      field: "code",
      problem: { key: "join.code_bad_chars", params: { chars: "0 1 O" } },
    });
  });
});

describe("recovery key", () => {
  it("accepts the printed groups, with or without dashes", () => {
    expect(recoveryKeyProblem(KEY)).toBeNull();
    expect(recoveryKeyProblem(KEY.replace(/-/g, " ").toLowerCase())).toBeNull();
  });

  it("tells a missing, foreign or short key apart (the rule is Rust's: its refusal lands under the field)", () => {
    expect(recoveryKeyProblem("")).toEqual({ key: "join.key_required" });
    const refused = (message: string) => joinFailure("fr", "restore", { code: "invalid_input", message });
    expect(refused("recovery_key: the recovery key cannot contain 9 8")).toEqual({
      field: "recovery_key",
      problem: { key: "join.key_bad_chars", params: { chars: "9 8" } },
    });
    expect(refused("recovery_key: the recovery key has 80 characters (104 once renewed), not 75")).toEqual({
      field: "recovery_key",
      problem: { key: "join.key_length", params: { n: 75 } },
    });
    expect(refused("recovery_key: a character is wrong (its check does not match)")).toEqual({
      field: "recovery_key",
      problem: { key: "join.key_invalid" },
    });
  });
});

describe("validateJoin", () => {
  it("lets a complete form go", () => {
    expect(validateJoin("join", form(), false)).toEqual({});
    expect(validateJoin("restore", form({ code: "" }), false)).toEqual({});
  });

  it("checks the fields of each form, the code or the key", () => {
    const empty = emptyJoinForm();
    expect(validateJoin("join", empty, false)).toEqual({
      relay_url: { key: "join.relay_required" },
      code: { key: "join.code_required" },
      device_name: { key: "join.device_required" },
    });
    expect(Object.keys(validateJoin("restore", empty, false))).toEqual(["relay_url", "recovery_key", "device_name"]);
    expect(validateJoin("join", form({ relay_url: "relais.example" }), false)).toEqual({
      relay_url: { key: "sync.relay_bad_scheme" },
    });
    expect(validateJoin("join", form({ device_name: "x".repeat(101) }), false)).toEqual({
      device_name: { key: "join.device_too_long", params: { max: 100 } },
    });
  });

  it("asks for a passphrase only without a keyring: long enough, typed twice", () => {
    expect(validateJoin("join", form(), true)).toEqual({ passphrase: { key: "join.passphrase_required" } });
    expect(validateJoin("join", form({ passphrase: "short", passphrase_confirm: "short" }), true)).toEqual({
      passphrase: { key: "validation.passphrase_short", params: { min: 8 } },
    });
    expect(validateJoin("join", form({ passphrase: "long enough", passphrase_confirm: "long enougH" }), true)).toEqual({
      passphrase_confirm: { key: "validation.passphrase_mismatch" },
    });
    expect(validateJoin("join", form({ passphrase: "long enough", passphrase_confirm: "long enough" }), true)).toEqual({});
  });

  it("focuses the fields in the order shown", () => {
    expect(joinFieldOrder("join")).toEqual(["relay_url", "code", "device_name", "passphrase", "passphrase_confirm"]);
    expect(joinFieldOrder("restore")[1]).toBe("recovery_key");
  });

  it("has a message in both languages for every problem", () => {
    const problems = [
      ...Object.values(validateJoin("join", emptyJoinForm(), true)),
      ...Object.values(validateJoin("restore", form({ recovery_key: "0", device_name: "x".repeat(200) }), true)),
      pairingCodeProblem("K7QX"),
    ];
    for (const p of problems) {
      if (!p) continue;
      expect(problemText("fr", p)).not.toMatch(/^[a-z_]+\.[a-z_]+$/);
      expect(problemText("en", p)).not.toMatch(/\{\w+\}/);
    }
  });
});

describe("requests", () => {
  it("sends the trimmed fields, the code in its printed form, the passphrase only when needed", () => {
    const f = form({ relay_url: " https://relais.example ", code: "k7qx m2pd", device_name: " Fauteuil 2 ", passphrase: "long enough" });
    expect(joinRequest(f, false)).toEqual({
      relay_url: "https://relais.example",
      code: "K7QX-M2PD",
      device_name: "Fauteuil 2",
      passphrase: null,
    });
    expect(joinRequest(f, true).passphrase).toBe("long enough");
    expect(restoreRequest(form({ recovery_key: ` ${KEY} ` }), false)).toEqual({
      relay_url: "https://relais.example",
      recovery_key: KEY,
      device_name: "Fauteuil 2",
      passphrase: null,
    });
  });
});

describe("joinFailure", () => {
  it("puts the Rust side's field errors under their field", () => {
    expect(joinFailure("fr", "join", { code: "invalid_input", message: '"relais" is not a relay URL: give one starting with http:// or https://' })).toEqual({
      field: "relay_url",
      problem: { key: "sync.error_bad_url" },
    });
    expect(
      joinFailure("fr", "restore", {
        code: "invalid_input",
        message: "this recovery key is not valid (a character is wrong or missing): type it again from the printed sheet",
      }),
    ).toEqual({ field: "recovery_key", problem: { key: "join.key_invalid" } });
    expect(joinFailure("fr", "join", { code: "invalid_input", message: "passphrase: a database passphrase has at least 8 characters" })).toEqual({
      field: "passphrase",
      problem: { key: "validation.passphrase_short", params: { min: 8 } },
    });
    expect(joinFailure("en", "join", { code: "invalid_input", message: "device_name: something odd" })).toEqual({
      field: "device_name",
      problem: { text: "something odd" },
    });
  });

  it("tells a recovery key printed before the data key's last renewal under the key, in both languages", () => {
    const outdated = {
      code: "invalid_input",
      reason: "recovery_key_outdated",
      message:
        "this recovery key was printed before the clinic's data key was last renewed, so it cannot read what was written since: restore with the sheet printed after the last renewal (Devices, recovery key, on any PC of the clinic)",
    };
    const failure = joinFailure("fr", "restore", outdated);
    expect(failure).toEqual({ field: "recovery_key", problem: { key: "restore.key_outdated" } });
    expect(problemText("fr", failure.problem)).toBe(
      "Cette clé de secours a été imprimée avant le dernier renouvellement de la clé de chiffrement du cabinet : elle ne permet pas de lire ce qui a été enregistré depuis. Restaurez avec la feuille imprimée après ce renouvellement (panneau Synchronisation, « Clé de secours du cabinet », sur n'importe quel poste du cabinet).",
    );
    expect(problemText("en", joinFailure("en", "restore", outdated).problem)).toBe(en["restore.key_outdated"]);
    expect(en["restore.key_outdated"]).toMatch(/^This recovery key was printed before the practice's encryption key was last renewed/);
    // The reason is enough, whatever the words; the place named is the recovery key section.
    expect(joinFailure("fr", "restore", { ...outdated, message: "x" }).problem).toEqual({ key: "restore.key_outdated" });
    expect(fr["restore.key_outdated"]).toContain(`« ${fr["recovery.title"]} »`);
    expect(en["restore.key_outdated"]).toContain(`“${en["recovery.title"]}”`);
  });

  it("reads a refused pairing code as a code to ask again", () => {
    const refused = {
      code: "sync_refused",
      reason: "bad_code",
      message: "the relay refused: this pairing code is unknown, already used or expired: ask the owner for a new one",
    };
    expect(joinFailure("fr", "join", refused)).toEqual({ field: "code", problem: { key: "join.code_refused" } });
    // The relay's code is enough, whatever its words.
    expect(joinFailure("fr", "join", { code: "sync_refused", reason: "bad_code", message: "nope" })).toEqual({
      field: "code",
      problem: { key: "join.code_refused" },
    });
    const other = joinFailure("en", "restore", { code: "sync_refused", message: "the relay refused: no clinic has this key" });
    expect(other.field).toBeNull();
    expect(problemText("en", other.problem)).toBe(
      "The relay refused the restore (the relay refused: no clinic has this key). Check the relay address and the recovery key.",
    );
    // A recovery key no clinic at this relay has: said under the key.
    expect(
      joinFailure("fr", "restore", {
        code: "sync_refused",
        reason: "not_found",
        message: "the relay refused: no clinic with this id and recovery key at this relay: check the recovery key",
      }),
    ).toEqual({ field: "recovery_key", problem: { key: "restore.key_unknown" } });
    // Another refusal the sync words (the relay is busy): above the form, in the user's language.
    const busy = joinFailure("fr", "join", { code: "sync_refused", reason: "rate_limited", message: "slow down" });
    expect(busy).toEqual({ field: null, problem: { text: fr["sync.refused_rate_limited"] } });
  });

  it("says in plain words what to do otherwise", () => {
    const unreachable = joinFailure("fr", "join", { code: "sync_unreachable", message: "the relay at x cannot be reached" });
    expect(unreachable).toEqual({ field: null, problem: { key: "join.error_unreachable" } });
    expect(problemText("fr", joinFailure("fr", "restore", { code: "already_initialised", message: "x" }).problem)).toBe(
      fr["join.error_already"],
    );
    expect(problemText("en", joinFailure("en", "join", { code: "keyring_unavailable", message: "x" }).problem)).toBe(
      en["error.keyring_unavailable"],
    );
    expect(problemText("en", joinFailure("en", "join", { code: "printer_jammed", message: "Disk full" }).problem)).toBe("Disk full");
  });

  it("tells a refused relay certificate at the relay address, with its cause", () => {
    const untrusted = joinFailure("fr", "join", {
      code: "sync_not_ready",
      reason: "relay_not_trusted",
      message: "this PC does not trust the relay at https://r: its certificate is not issued for this address.",
    });
    expect(untrusted.field).toBe("relay_url");
    const text = problemText("fr", untrusted.problem);
    expect(text).toMatch(/^Ce poste ne reconnaît pas le certificat du relais/);
    expect(text).toContain("not issued for this address");
  });
});

describe("rejoinCodeFailure", () => {
  it("tells the code's faults under the code, as when joining", () => {
    const short = { code: "invalid_input", message: "code: the pairing code has 8 characters, not 7" };
    expect(rejoinCodeFailure("fr", short)).toEqual({ field: "code", problem: { key: "join.code_length", params: { n: 7 } } });
    expect(rejoinCodeFailure("fr", { code: "invalid_input", message: "code: the pairing code cannot contain 0 1" })).toEqual({
      field: "code",
      problem: { key: "join.code_bad_chars", params: { chars: "0 1" } },
    });
    const refused = { code: "sync_refused", reason: "bad_code", message: "the relay refused: this pairing code is unknown" };
    expect(rejoinCodeFailure("en", refused)).toEqual({ field: "code", problem: { key: "join.code_refused" } });
  });

  it("says anything else as the panel's device commands do", () => {
    const waiting = {
      code: "sync_not_ready",
      reason: "waiting_for_approval",
      message: "this PC's request to join waits for the owner's approval",
    };
    expect(rejoinCodeFailure("fr", waiting)).toEqual({ field: null, problem: { text: fr["sync.not_ready_waiting_for_approval"] } });
    const unreachable = { code: "sync_unreachable", message: "the relay at x cannot be reached" };
    expect(rejoinCodeFailure("en", unreachable)).toEqual({
      field: null,
      problem: { text: syncErrorText("en", unreachable, "devices") },
    });
    const owner = { code: "permission_denied", message: "your role does not allow managing devices" };
    expect(rejoinCodeFailure("fr", owner).problem).toEqual({ text: syncErrorText("fr", owner, "devices") });
  });
});
