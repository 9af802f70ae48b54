import { describe, expect, it, vi } from "vitest";
import { createLatestSearch } from "./latest";

/** A search whose replies the test resolves by hand, in any order. */
function harness() {
  const calls: { query: string; resolve: (v: string[]) => void; reject: (e: unknown) => void }[] = [];
  const shown: [string, string[]][] = [];
  const errors: string[] = [];
  const pendings: boolean[] = [];
  const search = createLatestSearch<string[]>({
    delayMs: 120,
    run: (query) =>
      new Promise((resolve, reject) => {
        calls.push({ query, resolve, reject });
      }),
    onResult: (q, r) => shown.push([q, r]),
    onError: (q) => errors.push(q),
    onPending: (p) => pendings.push(p),
  });
  return { search, calls, shown, errors, pendings };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("createLatestSearch", () => {
  it("waits for typing to pause before searching", async () => {
    vi.useFakeTimers();
    const h = harness();
    h.search.set("b");
    vi.advanceTimersByTime(60);
    h.search.set("be");
    vi.advanceTimersByTime(60);
    h.search.set("ben");
    expect(h.calls).toHaveLength(0);
    expect(h.search.pending).toBe(true);
    vi.advanceTimersByTime(120);
    expect(h.calls.map((c) => c.query)).toEqual(["ben"]);
    vi.useRealTimers();
    h.calls[0].resolve(["Benali"]);
    await settle();
    expect(h.shown).toEqual([["ben", ["Benali"]]]);
    expect(h.search.pending).toBe(false);
    expect(h.pendings).toEqual([true, false]);
  });

  it("ignores a reply older than the one shown", async () => {
    vi.useFakeTimers();
    const h = harness();
    h.search.set("be");
    vi.advanceTimersByTime(120);
    h.search.set("ben");
    vi.advanceTimersByTime(120);
    vi.useRealTimers();
    expect(h.calls.map((c) => c.query)).toEqual(["be", "ben"]);
    h.calls[1].resolve(["Benali"]);
    await settle();
    h.calls[0].resolve(["Benali", "Bensaïd"]);
    await settle();
    expect(h.shown).toEqual([["ben", ["Benali"]]]);
    expect(h.search.pending).toBe(false);
  });

  it("shows replies that come in order, and errors only when current", async () => {
    vi.useFakeTimers();
    const h = harness();
    h.search.set("be");
    vi.advanceTimersByTime(120);
    h.search.set("ben");
    vi.advanceTimersByTime(120);
    vi.useRealTimers();
    h.calls[0].resolve(["a", "b"]);
    await settle();
    expect(h.search.pending).toBe(true); // "ben" is still on its way
    h.calls[1].reject({ code: "internal" });
    await settle();
    expect(h.shown).toEqual([["be", ["a", "b"]]]);
    expect(h.errors).toEqual(["ben"]);
  });

  it("cancel drops the wait and replies in flight; flush skips the wait", async () => {
    vi.useFakeTimers();
    const h = harness();
    h.search.set("ben");
    vi.advanceTimersByTime(120);
    h.search.set("benal");
    h.search.cancel();
    vi.advanceTimersByTime(500);
    expect(h.calls).toHaveLength(1);
    expect(h.search.pending).toBe(false);
    h.search.set("moh");
    h.search.flush();
    expect(h.calls.map((c) => c.query)).toEqual(["ben", "moh"]);
    vi.useRealTimers();
    h.calls[0].resolve(["late"]);
    h.calls[1].resolve(["Mohamed"]);
    await settle();
    expect(h.shown).toEqual([["moh", ["Mohamed"]]]);
  });
});
