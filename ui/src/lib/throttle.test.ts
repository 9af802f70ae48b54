import { describe, expect, it } from "vitest";
import { createThrottle } from "./throttle";

describe("createThrottle", () => {
  it("calls at most once per interval", () => {
    let now = 1000;
    let count = 0;
    const ping = createThrottle(5000, () => count++, () => now);
    expect(ping()).toBe(true);
    now += 1000;
    expect(ping()).toBe(false);
    now += 3999;
    expect(ping()).toBe(false);
    now += 1;
    expect(ping()).toBe(true);
    expect(count).toBe(2);
  });
});
