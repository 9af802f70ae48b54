import { describe, expect, it } from "vitest";
import {
  base64Bytes,
  base64OfDataUrl,
  initials,
  PHOTO_ACCEPT,
  PHOTO_MAX_BYTES,
  photoDataUrl,
  photoErrorText,
  photoFileError,
  photoTooBig,
} from "./photo";

describe("photo size", () => {
  it("counts the bytes a base64 text decodes to", () => {
    expect(base64Bytes("")).toBe(0);
    expect(base64Bytes(btoa("a"))).toBe(1);
    expect(base64Bytes(btoa("ab"))).toBe(2);
    expect(base64Bytes(btoa("abc"))).toBe(3);
    expect(base64Bytes(btoa("hello world!!"))).toBe(13);
    expect(base64Bytes(`${btoa("abc")}\n${btoa("abc")}`)).toBe(6);
  });

  it("refuses files over 15 MB", () => {
    expect(PHOTO_MAX_BYTES).toBe(15 * 1024 * 1024);
    expect(photoTooBig(PHOTO_MAX_BYTES)).toBe(false);
    expect(photoTooBig(PHOTO_MAX_BYTES + 1)).toBe(true);
    expect(photoFileError("fr", { size: PHOTO_MAX_BYTES + 1, type: "image/jpeg" })).toBe(
      "Cette image dépasse 15 Mo : choisissez une image plus petite.",
    );
    expect(photoFileError("en", { size: 1000, type: "image/gif" })).toBe("This file is not a JPEG or PNG picture.");
    expect(photoFileError("en", { size: 1000, type: "image/png" })).toBeNull();
    // Some systems give no type: the Rust side looks at the content.
    expect(photoFileError("en", { size: 1000, type: "" })).toBeNull();
    expect(PHOTO_ACCEPT).toBe("image/jpeg,image/png");
  });
});

describe("photo data", () => {
  it("takes the base64 out of a data URL and makes one for a stored photo", () => {
    expect(base64OfDataUrl("data:image/png;base64,iVBORw0KGgo=")).toBe("iVBORw0KGgo=");
    expect(base64OfDataUrl("data:text/plain,hello")).toBe("");
    expect(base64OfDataUrl("garbage")).toBe("");
    expect(photoDataUrl("/9j/4AAQ")).toBe("data:image/jpeg;base64,/9j/4AAQ");
  });

  it("gives the placeholder's initials", () => {
    expect(initials({ first_name: "Mohamed", last_name: "Benali" })).toBe("MB");
    expect(initials({ first_name: "élodie", last_name: "Ölçer" })).toBe("ÉÖ");
    expect(initials({ first_name: "", last_name: "" })).toBe("");
  });

  it("translates the Rust side's photo errors", () => {
    expect(photoErrorText("fr", "photo: not a JPEG or PNG picture")).toBe("Ce fichier n'est pas une image JPEG ou PNG.");
    expect(photoErrorText("en", "photo: the file is larger than 15 MB: choose a smaller picture")).toBe(
      "This picture is larger than 15 MB: choose a smaller one.",
    );
    expect(photoErrorText("en", "photo: the file is damaged or not a complete JPEG or PNG picture")).toBe(
      "This file is damaged or not a complete JPEG or PNG picture.",
    );
    expect(photoErrorText("fr", "photo: the picture's dimensions are too large (at most 12000 pixels a side)")).toBe(
      "Cette image est trop grande (12000 pixels de côté au maximum).",
    );
    expect(photoErrorText("en", "photo: the file was not sent whole; try again")).toBe("The file was not sent whole: try again.");
    expect(photoErrorText("en", "photo: something new")).toBe("something new");
    expect(photoErrorText("en", "last_name: is empty")).toBeNull();
  });
});
