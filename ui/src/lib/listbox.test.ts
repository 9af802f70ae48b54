import { describe, expect, it } from "vitest";
import { listStep, stepActive } from "./listbox";

describe("the keyboard of a result list", () => {
  it("moves one row with the arrows, ten with the page keys where the list takes them", () => {
    expect(listStep("ArrowDown", false)).toBe(1);
    expect(listStep("ArrowUp", false)).toBe(-1);
    expect(listStep("PageDown", true)).toBe(10);
    expect(listStep("PageUp", true)).toBe(-10);
    expect(listStep("PageDown", false)).toBeNull();
    expect(listStep("Enter", true)).toBeNull();
    expect(listStep("a", true)).toBeNull();
  });

  it("keeps the active row within the list", () => {
    expect(stepActive(0, 1, 3)).toBe(1);
    expect(stepActive(2, 1, 3)).toBe(2);
    expect(stepActive(0, -1, 3)).toBe(0);
    expect(stepActive(5, 10, 12)).toBe(11);
    expect(stepActive(5, -10, 12)).toBe(0);
  });
});
