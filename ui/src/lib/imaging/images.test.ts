import { describe, expect, it } from "vitest";
import { filterByModality, modalityChoices, modalityLabel, sizeLabel, spacingLabel, splitTeeth, teethLine } from "./images";

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
