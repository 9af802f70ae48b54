import { describe, expect, it, vi } from "vitest";
import {
  expectedStageSide,
  expectedToolbarHeight,
  FIRST_FRAME_WAIT_MS,
  rememberStageSide,
  rememberTabWidth,
  rememberToolbarHeight,
  whenFirstFrameOrSoon,
} from "./firstFrame";

describe("expectedStageSide", () => {
  it("takes the last stage, else the imaging tab's width, else the window", () => {
    vi.stubGlobal("window", { innerWidth: 1280, innerHeight: 800, devicePixelRatio: 1.25 });
    expect(expectedStageSide()).toBe(1600);
    rememberTabWidth(0);
    expect(expectedStageSide()).toBe(1600);
    rememberTabWidth(900);
    expect(expectedStageSide()).toBe(900);
    rememberStageSide(700);
    rememberTabWidth(1000);
    expect(expectedStageSide()).toBe(700);
    vi.unstubAllGlobals();
  });
});

describe("toolbar room", () => {
  it("keeps the last toolbar height measured, else guesses", () => {
    const saved = new Map<string, string>();
    vi.stubGlobal("localStorage", {
      getItem: (k: string) => saved.get(k) ?? null,
      setItem: (k: string, v: string) => void saved.set(k, v),
    });
    const guess = expectedToolbarHeight();
    expect(guess).toBeGreaterThan(0);
    rememberToolbarHeight(0);
    expect(expectedToolbarHeight()).toBe(guess);
    rememberToolbarHeight(87.6);
    expect(expectedToolbarHeight()).toBe(88);
    vi.unstubAllGlobals();
  });

  it("guesses when the storage refuses", () => {
    vi.stubGlobal("localStorage", {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
    });
    expect(() => rememberToolbarHeight(90)).not.toThrow();
    expect(expectedToolbarHeight()).toBeGreaterThan(0);
    vi.unstubAllGlobals();
  });
});

describe("whenFirstFrameOrSoon", () => {
  const first = (bytes: Promise<ArrayBuffer>) => ({ imageId: "im", bytes });

  it("opens as soon as the frame is here, once", async () => {
    vi.useFakeTimers();
    let opened = 0;
    whenFirstFrameOrSoon(first(Promise.resolve(new ArrayBuffer(8))), () => opened++);
    expect(opened).toBe(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(opened).toBe(1);
    await vi.advanceTimersByTimeAsync(FIRST_FRAME_WAIT_MS * 2);
    expect(opened).toBe(1);
    vi.useRealTimers();
  });

  it("opens without the frame after the wait, and not again when it comes", async () => {
    vi.useFakeTimers();
    let opened = 0;
    let arrive: (b: ArrayBuffer) => void = () => undefined;
    whenFirstFrameOrSoon(first(new Promise((resolve) => (arrive = resolve))), () => opened++);
    await vi.advanceTimersByTimeAsync(FIRST_FRAME_WAIT_MS - 1);
    expect(opened).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(opened).toBe(1);
    arrive(new ArrayBuffer(8));
    await vi.advanceTimersByTimeAsync(0);
    expect(opened).toBe(1);
    vi.useRealTimers();
  });

  it("opens at once when the frame failed: the viewer shows why", async () => {
    vi.useFakeTimers();
    let opened = 0;
    const failed = Promise.reject(new Error("not here"));
    whenFirstFrameOrSoon(first(failed), () => opened++);
    await vi.advanceTimersByTimeAsync(0);
    expect(opened).toBe(1);
    vi.useRealTimers();
  });
});
