import { describe, expect, it } from "vitest";
import type { DuplicatePair, PatientRef } from "./bindings";
import {
  bannerText,
  capitalised,
  duplicateCount,
  duplicatesOf,
  foundLabel,
  isPairOf,
  noticeCountLabel,
  pairKey,
  reasonLabel,
  reasonShort,
  refLabel,
  withoutFile,
  withoutPair,
} from "./duplicates";
import { formatDay } from "./medical";

const sarah: PatientRef = { id: "p13", file_number: "K7Q-00013", last_name: "Meziane", first_name: "Sarah" };
const sara: PatientRef = { id: "p17", file_number: "K7Q-00017", last_name: "Meziane", first_name: "Sara" };
const mohamed: PatientRef = { id: "p1", file_number: "K7Q-00001", last_name: "Benali", first_name: "Mohamed" };
const mohamed2: PatientRef = { id: "p20", file_number: "K7Q-00020", last_name: "BENALI", first_name: "Mohamed" };
const erased: PatientRef = { id: "p16", file_number: "K7Q-00016", last_name: "", first_name: "" };

const pair = (a: PatientRef, b: PatientRef, reason: string, found_at_ms = 1000): DuplicatePair => ({ a, b, reason, found_at_ms });

describe("duplicate reasons", () => {
  it("are said in words, in both languages", () => {
    expect(reasonLabel("fr", "name_birth_date")).toBe("même nom et même date de naissance");
    expect(reasonLabel("fr", "phone")).toBe("même numéro de téléphone");
    expect(reasonLabel("en", "name_birth_date")).toBe("same name and same date of birth");
    expect(reasonLabel("en", "phone")).toBe("same phone number");
    expect(reasonShort("fr", "phone")).toBe("même téléphone");
    expect(reasonShort("en", "name_birth_date")).toBe("same name and date of birth");
  });

  it("shows a reason this version does not know as sent", () => {
    expect(reasonLabel("fr", "national_id")).toBe("national_id");
    expect(reasonShort("en", "email")).toBe("email");
  });

  it("starts a line with a capital", () => {
    expect(capitalised("même numéro de téléphone")).toBe("Même numéro de téléphone");
    expect(capitalised("")).toBe("");
  });
});

describe("pairs", () => {
  it("are the same whichever way round", () => {
    expect(pairKey("p13", "p17")).toBe(pairKey("p17", "p13"));
    expect(pairKey("p1", "p13")).not.toBe(pairKey("p1", "p17"));
    expect(isPairOf(pair(sarah, sara, "phone"), "p17", "p13")).toBe(true);
    expect(isPairOf(pair(sarah, sara, "phone"), "p13", "p1")).toBe(false);
  });

  it("are counted once each, never a file with itself", () => {
    expect(duplicateCount(null)).toBe(0);
    expect(duplicateCount([])).toBe(0);
    expect(duplicateCount([pair(sarah, sara, "phone"), pair(mohamed, mohamed2, "name_birth_date")])).toBe(2);
    expect(duplicateCount([pair(sarah, sara, "phone", 2000), pair(sara, sarah, "phone", 1000)])).toBe(1);
    expect(duplicateCount([pair(sarah, sarah, "phone")])).toBe(0);
  });

  it("label the notice", () => {
    expect(noticeCountLabel("fr", 1)).toBe("1 doublon possible");
    expect(noticeCountLabel("fr", 3)).toBe("3 doublons possibles");
    expect(noticeCountLabel("en", 1)).toBe("1 possible duplicate");
    expect(noticeCountLabel("en", 2)).toBe("2 possible duplicates");
  });

  it("go away once the two files are said to be different people", () => {
    const pairs = [pair(sarah, sara, "phone"), pair(mohamed, mohamed2, "name_birth_date")];
    expect(withoutPair(pairs, "p17", "p13")).toEqual([pairs[1]]);
    expect(withoutPair(pairs, "p13", "p1")).toEqual(pairs);
  });

  it("all go once a file is merged into another, whichever side it is on", () => {
    const pairs = [pair(sarah, sara, "phone"), pair(mohamed, mohamed2, "name_birth_date"), pair(sara, mohamed, "phone")];
    expect(withoutFile(pairs, "p17")).toEqual([pairs[1]]);
    expect(withoutFile(pairs, "p1")).toEqual([pairs[0]]);
    expect(withoutFile(pairs, "p4")).toEqual(pairs);
  });
});

describe("the pairs of one patient", () => {
  const pairs = [
    pair(sarah, sara, "phone", 3000),
    pair(mohamed, mohamed2, "name_birth_date", 2000),
    pair(sara, mohamed, "phone", 1000),
  ];

  it("name the other file, newest first, whichever side the patient is on", () => {
    expect(duplicatesOf(pairs, "p17").map((d) => d.other.id)).toEqual(["p13", "p1"]);
    expect(duplicatesOf(pairs, "p13").map((d) => d.other.id)).toEqual(["p17"]);
    expect(duplicatesOf(pairs, "p20")).toEqual([{ pair: pairs[1], self: mohamed2, other: mohamed }]);
  });

  it("are none for a patient not flagged, or before the pairs are known", () => {
    expect(duplicatesOf(pairs, "p4")).toEqual([]);
    expect(duplicatesOf(null, "p13")).toEqual([]);
  });

  it("are shown once even if sent twice", () => {
    expect(duplicatesOf([...pairs, pair(sara, sarah, "phone", 500)], "p13")).toHaveLength(1);
  });

  it("write the banner of the file", () => {
    const [d] = duplicatesOf(pairs, "p17");
    expect(bannerText("fr", d)).toBe("Doublon possible avec K7Q-00013 MEZIANE Sarah (même téléphone)");
    expect(bannerText("en", d)).toBe("Possible duplicate of K7Q-00013 MEZIANE Sarah (same phone)");
    const [m] = duplicatesOf(pairs, "p1").filter((x) => x.pair.reason === "name_birth_date");
    expect(bannerText("fr", m)).toBe("Doublon possible avec K7Q-00020 BENALI Mohamed (même nom et date de naissance)");
  });
});

describe("file references", () => {
  it("give the file number and the name", () => {
    expect(refLabel("fr", sarah)).toBe("K7Q-00013 MEZIANE Sarah");
  });

  it("name an erased file by its number alone", () => {
    expect(refLabel("fr", erased)).toBe("Dossier effacé · K7Q-00016");
    expect(refLabel("en", erased)).toBe("Erased file · K7Q-00016");
    const [d] = duplicatesOf([pair(erased, sarah, "phone")], "p13");
    expect(bannerText("fr", d)).toBe("Doublon possible avec Dossier effacé · K7Q-00016 (même téléphone)");
  });
});

describe("when a pair was found", () => {
  const now = new Date(2025, 2, 14, 15, 30).getTime();

  it("is today, yesterday or a date", () => {
    expect(foundLabel("fr", new Date(2025, 2, 14, 9, 5).getTime(), now)).toBe("repéré aujourd'hui à 09:05");
    expect(foundLabel("en", new Date(2025, 2, 13, 17, 40).getTime(), now)).toBe("found yesterday at 17:40");
    const older = new Date(2025, 1, 2, 8, 0).getTime();
    expect(foundLabel("fr", older, now)).toBe(`repéré le ${formatDay(older)}`);
    expect(formatDay(older)).toBe("02/02/2025");
  });

  it("is empty for a time that is not one", () => {
    expect(foundLabel("fr", Number.NaN, now)).toBe("");
  });
});
