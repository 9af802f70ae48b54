import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { setInvoker } from "./lib/api";

async function start() {
  // Dev-only mock of the Rust side, to look at the screens in a plain browser.
  // Compiled out of production builds; needs both a non-Tauri window and `?mock` in the URL.
  if (
    (import.meta.env.DEV || import.meta.env.MODE === "mock") &&
    !("__TAURI_INTERNALS__" in window) &&
    new URLSearchParams(window.location.search).has("mock")
  ) {
    const { createMockInvoker } = await import("./lib/dev/mock");
    setInvoker(createMockInvoker(new URLSearchParams(window.location.search)));
  }
  mount(App, { target: document.getElementById("app")! });
}

void start();
