// The full-mouth series (FMX) layout, as the Rust side numbers its slots (chairside-domain
// teeth.rs, `fmx_slot`): the conventional 18 films as laid out on a light box, the patient's right
// on the viewer's left.
//   slots 0-6:   upper periapicals: right molars, right premolars, right canine, incisors,
//                left canine, left premolars, left molars;
//   slots 7-10:  bitewings: right molars, right premolars, left premolars, left molars, shown
//                under the periapicals of their region;
//   slots 11-17: lower periapicals, in the same order as the upper ones.
// The Rust side puts each intraoral image in its slot from its teeth; the UI only places it, and
// names the teeth of the slots still empty.
import type { ImageSummary } from "../bindings";

export const FMX_SLOTS = 18;
export const FMX_COLUMNS = 7;

/** Per slot, the permanent teeth (FDI) of the upper and of the lower arch, left to right on screen. */
export const FMX_TEETH: readonly (readonly [readonly string[], readonly string[]])[] = [
  [["18", "17", "16"], []],
  [["15", "14"], []],
  [["13"], []],
  [["12", "11", "21", "22"], []],
  [["23"], []],
  [["24", "25"], []],
  [["26", "27", "28"], []],
  [["18", "17", "16"], ["48", "47", "46"]],
  [["15", "14"], ["45", "44"]],
  [["24", "25"], ["34", "35"]],
  [["26", "27", "28"], ["36", "37", "38"]],
  [[], ["48", "47", "46"]],
  [[], ["45", "44"]],
  [[], ["43"]],
  [[], ["42", "41", "31", "32"]],
  [[], ["33"]],
  [[], ["34", "35"]],
  [[], ["36", "37", "38"]],
];

/** The columns the four bitewings sit in: under the molar and premolar periapicals. */
const BITEWING_COLUMNS = [0, 1, 5, 6];

/** Row (0 upper, 1 bitewings, 2 lower) and column (0 on the left, of 7) of a slot on screen. */
export function slotCell(slot: number): { row: number; column: number } {
  if (slot < 7) return { row: 0, column: slot };
  if (slot < 11) return { row: 1, column: BITEWING_COLUMNS[slot - 7] };
  return { row: 2, column: slot - 11 };
}

/** "18–16", "13", or "18–16 / 48–46" for a bitewing: the teeth an empty slot waits for. */
export function slotTeethLabel(slot: number): string {
  const range = (teeth: readonly string[]) =>
    teeth.length > 1 ? `${teeth[0]}–${teeth[teeth.length - 1]}` : (teeth[0] ?? "");
  return FMX_TEETH[slot].map(range).filter(Boolean).join(" / ");
}

export type FmxCell = {
  slot: number;
  row: number;
  column: number;
  label: string;
  /** The newest image in the slot (the list comes newest first), and how many more there are. */
  image: ImageSummary | null;
  others: number;
};

/** The 18 cells in screen order (row by row, left to right). */
export function fmxCells(images: ImageSummary[]): FmxCell[] {
  const cells: FmxCell[] = [];
  for (let slot = 0; slot < FMX_SLOTS; slot++) {
    const inSlot = images.filter((im) => im.fmx_slot === slot);
    cells.push({ slot, ...slotCell(slot), label: slotTeethLabel(slot), image: inSlot[0] ?? null, others: Math.max(0, inSlot.length - 1) });
  }
  return cells.sort((a, b) => a.row - b.row || a.column - b.column);
}

/**
 * Intraoral images with no slot yet (no teeth linked). Intraoral, as the Rust side has it: DICOM
 * modality IO, or a sensor's PNG, JPEG or TIFF file (no modality).
 */
export const unplaced = (images: ImageSummary[]): ImageSummary[] =>
  images.filter((im) => (im.modality === "IO" || im.modality === "") && im.fmx_slot === null);
