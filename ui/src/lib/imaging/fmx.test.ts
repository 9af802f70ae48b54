import { describe, expect, it } from "vitest";
import type { ImageSummary } from "../bindings";
import { FMX_SLOTS, FMX_TEETH, fmxCells, slotCell, slotTeethLabel, unplaced } from "./fmx";

const image = (id: string, modality: string, fmx_slot: number | null): ImageSummary => ({
  id, patient_id: "p1", format: "dicom", modality, taken_on: "2024-05-02", file_name: `${id}.dcm`, rows: 10, columns: 10,
  frames: 1, spacing_mm: null, spacing_source: null, teeth: [], fmx_slot, thumbnail: "", local: true, imported_by: "", imported_at_ms: 0,
});

describe("FMX layout", () => {
  it("has the 18 films of the Rust side's slots: 7 upper, 4 bitewings, 7 lower, every tooth covered", () => {
    expect(FMX_TEETH).toHaveLength(FMX_SLOTS);
    const permanent = [1, 2, 3, 4].flatMap((q) => [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `${q}${n}`)).sort();
    const periapicals = [...FMX_TEETH.slice(0, 7), ...FMX_TEETH.slice(11)].flatMap(([u, l]) => [...u, ...l]).sort();
    expect(periapicals).toEqual(permanent);
    // The bitewings show the premolars and molars of both jaws.
    const bitewings = FMX_TEETH.slice(7, 11).flatMap(([u, l]) => [...u, ...l]);
    expect(bitewings.every((t) => Number(t[1]) >= 4)).toBe(true);
    expect(FMX_TEETH.slice(7, 11).every(([u, l]) => u.length > 0 && l.length > 0)).toBe(true);
  });

  it("lays the films out as on a light box: the patient's right on the left, bitewings under their region", () => {
    expect(slotCell(0)).toEqual({ row: 0, column: 0 });
    expect(slotCell(6)).toEqual({ row: 0, column: 6 });
    expect([7, 8, 9, 10].map((s) => slotCell(s))).toEqual([
      { row: 1, column: 0 },
      { row: 1, column: 1 },
      { row: 1, column: 5 },
      { row: 1, column: 6 },
    ]);
    expect(slotCell(11)).toEqual({ row: 2, column: 0 });
    expect(slotCell(17)).toEqual({ row: 2, column: 6 });
    expect(slotTeethLabel(0)).toBe("18–16");
    expect(slotTeethLabel(2)).toBe("13");
    expect(slotTeethLabel(3)).toBe("12–22");
    expect(slotTeethLabel(7)).toBe("18–16 / 48–46");
    expect(slotTeethLabel(14)).toBe("42–32");
    expect(slotTeethLabel(17)).toBe("36–38");
    // Each column is one region of one side, from the upper film down to the lower one.
    const side = (tooth: string) => ([1, 4].includes(Number(tooth[0])) ? "right" : "left");
    for (let column = 0; column < 7; column++) {
      if (column === 3) continue; // the incisors straddle the midline
      expect(side(FMX_TEETH[column][0][0])).toBe(side(FMX_TEETH[11 + column][1][0]));
      expect(FMX_TEETH[column][0].map((t) => t[1])).toEqual(FMX_TEETH[11 + column][1].map((t) => t[1]));
    }
  });

  it("puts each image in its slot, the newest when several share one", () => {
    const cells = fmxCells([image("a", "IO", 17), image("b", "IO", 17), image("c", "IO", 0), image("d", "PX", null)]);
    expect(cells).toHaveLength(18);
    expect(cells.map((c) => c.slot)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    const slot17 = cells.find((c) => c.slot === 17)!;
    expect(slot17.image?.id).toBe("a");
    expect(slot17.others).toBe(1);
    expect(cells.find((c) => c.slot === 0)!.image?.id).toBe("c");
    expect(cells.filter((c) => c.image).length).toBe(2);
  });

  it("lists the intraoral images (IO, or a sensor file) that have no slot yet", () => {
    expect(unplaced([image("a", "IO", null), image("b", "IO", 3), image("c", "PX", null), image("d", "", null)]).map((i) => i.id)).toEqual([
      "a",
      "d",
    ]);
  });
});
