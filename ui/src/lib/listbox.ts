// The keyboard of the result lists under a search box (the patient list, the guarantor picker,
// the merge picker): which key moves the active row how far, kept within the list, and the row
// brought into view. Each list keeps its own Enter and Escape, which differ.
import { tick } from "svelte";

/** How many rows a key moves the active row: the arrows one, PageUp/PageDown ten when `pages`;
 * null for any other key (the caller leaves it alone). */
export function listStep(key: string, pages: boolean): number | null {
  switch (key) {
    case "ArrowDown":
      return 1;
    case "ArrowUp":
      return -1;
    case "PageDown":
      return pages ? 10 : null;
    case "PageUp":
      return pages ? -10 : null;
    default:
      return null;
  }
}

/** The active row `delta` rows from `active`, within a list of `count` rows. */
export function stepActive(active: number, delta: number, count: number): number {
  return Math.min(count - 1, Math.max(0, active + delta));
}

/** Brings the row `index` of `list` (its `data-index`) into view, once the DOM shows it active. */
export async function revealRow(list: HTMLElement | undefined, index: number): Promise<void> {
  await tick();
  list?.querySelector(`[data-index="${index}"]`)?.scrollIntoView({ block: "nearest" });
}
