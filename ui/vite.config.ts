/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// Tauri loads the built files from ui/dist; the dev server is fixed on 1420.
export default defineConfig({
  base: "./",
  plugins: [svelte()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    watch: { ignored: ["**/src-tauri/**", "**/crates/**"] },
  },
  preview: {
    port: 4173,
    strictPort: true,
  },
  envPrefix: ["VITE_", "TAURI_ENV_"],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
  },
  test: {
    projects: [
      // Pure helpers, and components rendered to HTML on the server (svelte/server).
      {
        extends: true,
        test: { name: "unit", include: ["src/**/*.test.ts"], exclude: ["src/**/*.dom.test.ts"], environment: "node" },
      },
      // Components mounted in a DOM (happy-dom) and driven as a person would: clicks, typing,
      // dialogs. Svelte's browser build, so `mount` works.
      {
        extends: true,
        resolve: { conditions: ["browser"] },
        test: { name: "dom", include: ["src/**/*.dom.test.ts"], environment: "happy-dom" },
      },
    ],
  },
});
