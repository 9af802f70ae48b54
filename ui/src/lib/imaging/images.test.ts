import { describe, expect, it } from "vitest";
import {
  downloadLabel,
  filterByModality,
  modalityChoices,
  modalityLabel,
  sizeLabel,
  spacingLabel,
  splitTeeth,
  teethLine,
} from "./images";

describe("image names", () => {
  it("names the modalities, an unknown code as sent, a sensor file by its format", () => {
    expect(modalityLabel("fr", { modality: "IO", format: "dicom" })).toBe("Intra-orale");
    expect(modalityLabel("en", { modality: "PX", format: "dicom" })).toBe("Panoramic");
    expect(modalityLabel("fr", { modality: "MR", format: "dicom" })).toBe("MR");
    expect(modalityLabel("fr", { modality: "", format: "png" })).toBe("Image PNG");
    expect(modalityLabel("en", { modality: "", format: "tiff" })).toBe("TIFF image");
  });

  it("says where the millimetres come from", () => {
    expect(spacingLabel("fr", "pixel_spacing")).toBe("Pixel Spacing du fichier");
    expect(spacingLabel("fr", "imager_pixel_spacing")).toBe("Imager Pixel Spacing (détecteur)");
    expect(spacingLabel("fr", "calibration")).toBe("Calibré");
    expect(spacingLabel("fr", null)).toBe("Non calibré : mesures en pixels");
    expect(spacingLabel("en", null)).toBe("Not calibrated: measurements in pixels");
  });

  it("gives the size, with the frames when there are several", () => {
    expect(sizeLabel("fr", { columns: 1200, rows: 1600, frames: 1 })).toBe("1200 × 1600");
    expect(sizeLabel("en", { columns: 256, rows: 256, frames: 24 })).toBe("256 × 256, 24 frames");
  });
});

describe("modality filter", () => {
  const images = [{ modality: "IO" }, { modality: "PX" }, { modality: "IO" }, { modality: "" }, { modality: "IO" }, { modality: "CT" }];

  it("offers the modalities present, most frequent first", () => {
    expect(modalityChoices(images)).toEqual(["IO", "", "CT", "PX"]);
    expect(modalityChoices([])).toEqual([]);
  });

  it("keeps the images of one modality, or all", () => {
    expect(filterByModality(images, "IO")).toHaveLength(3);
    expect(filterByModality(images, "")).toEqual([{ modality: "" }]);
    expect(filterByModality(images, null)).toBe(images);
  });
});

describe("teeth", () => {
  it("splits what was typed, without repeats, leaving the checks to the Rust side", () => {
    expect(splitTeeth("36, 37")).toEqual(["36", "37"]);
    expect(splitTeeth(" 36 37;38,,36 ")).toEqual(["36", "37", "38"]);
    expect(splitTeeth("19, abc")).toEqual(["19", "abc"]);
    expect(splitTeeth("  ")).toEqual([]);
    expect(teethLine(["36", "37"])).toBe("36, 37");
  });
});

describe("the download of an image from the relay", () => {
  it("says how much has come, once known", () => {
    expect(downloadLabel("fr", null)).toBe("Téléchargement de l'image depuis le relais…");
    expect(downloadLabel("fr", { bytes_here: 0, bytes_total: 0 })).toBe("Téléchargement de l'image depuis le relais…");
    expect(downloadLabel("fr", { bytes_here: 2 * 1048576, bytes_total: 4_928_000 })).toBe(
      "Téléchargement de l'image depuis le relais… 42 % (2 Mo sur 4,7 Mo)",
    );
    expect(downloadLabel("en", { bytes_here: 299 * 1048576, bytes_total: 300 * 1048576 })).toBe(
      "Downloading the image from the relay… 99% (299 MB of 300 MB)",
    );
    // All of it here: the frame is being decoded. A figure past the size counts as all of it.
    expect(downloadLabel("en", { bytes_here: 1024, bytes_total: 1024 })).toBe("Loading the image…");
    expect(downloadLabel("fr", { bytes_here: 9e9, bytes_total: 1024 })).toBe("Chargement de l'image…");
  });
});
