// TEST ONLY. Driving components mounted in happy-dom (the `*.dom.test.ts` files) as a person
// would: find by test id, click, type, choose, and wait for what the mock backend answers.
import { flushSync, unmount, type mount } from "svelte";
import { invoke } from "@tauri-apps/api/core";
import * as api from "../lib/api";

// happy-dom does not match `:checked` on a select's options, which Svelte's `bind:value` on a
// select reads to know the choice: answer it as a browser does.
const selectQuery = HTMLSelectElement.prototype.querySelector;
HTMLSelectElement.prototype.querySelector = function (this: HTMLSelectElement, selector: string) {
  if (selector === ":checked") return this.selectedIndex >= 0 ? this.options[this.selectedIndex] : null;
  return selectQuery.call(this, selector);
} as typeof selectQuery;

/** The element with this test id (and attributes), or null. */
export function find<T extends HTMLElement = HTMLElement>(testid: string, attrs: Record<string, string> = {}): T | null {
  const extra = Object.entries(attrs)
    .map(([k, v]) => `[${k}="${v}"]`)
    .join("");
  return document.querySelector<T>(`[data-testid="${testid}"]${extra}`);
}

export function findAll<T extends HTMLElement = HTMLElement>(testid: string): T[] {
  return [...document.querySelectorAll<T>(`[data-testid="${testid}"]`)];
}

/** The element with this test id; throws when there is none. */
export function get<T extends HTMLElement = HTMLElement>(testid: string, attrs: Record<string, string> = {}): T {
  const el = find<T>(testid, attrs);
  if (!el) throw new Error(`no element [data-testid="${testid}"] ${JSON.stringify(attrs)}`);
  return el;
}

export function click(el: HTMLElement) {
  el.click();
  flushSync();
}

/** Types into a text box (what `bind:value` listens to). */
export function type(el: HTMLInputElement, value: string) {
  el.value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

/** Chooses an option of a select, or a date or time (what `bind:value` listens to). */
export function choose(el: HTMLSelectElement | HTMLInputElement, value: string) {
  el.value = value;
  el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
  flushSync();
}

/** A key pressed on the window (the agenda's shortcuts). */
export function press(key: string, target: EventTarget = window) {
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  flushSync();
}

/** Waits until `check` holds (returns something truthy), for the mock's delays. */
export async function until<T>(check: () => T, what = "the condition", timeoutMs = 4000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    flushSync();
    const got = check();
    if (got) return got as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * After a test: the component taken away, the page emptied, and calls going to Tauri again (a
 * test sets the dev mock or its own invoker). Returns null, for `component = tearDown(component)`.
 */
export function tearDown(component: ReturnType<typeof mount> | null): null {
  if (component) unmount(component);
  document.body.innerHTML = "";
  api.setInvoker(invoke);
  return null;
}
