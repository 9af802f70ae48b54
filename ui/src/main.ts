import { mount } from "svelte";
// The app's typefaces ship with it (see app.css, --font): the same text on every clinic PC,
// and no search of the system's fonts for each new size.
import "@fontsource-variable/ibm-plex-sans/wght.css";
import "@fontsource-variable/ibm-plex-sans/wght-italic.css";
import "@fontsource/ibm-plex-mono/400.css";
import "@fontsource/ibm-plex-mono/600.css";
import "@fontsource/ibm-plex-mono/700.css";
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
