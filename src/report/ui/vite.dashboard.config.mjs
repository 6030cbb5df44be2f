// @ts-check
/**
 * Builds the dashboard's browser code (`appwatch serve`) into dist/dashboard-assets/dashboard.js (one IIFE, no
 * imports, no eval) and dashboard.css: the report's components (src/report/ui) with the dashboard's entry. The
 * server sends them as files ('self' in its CSP header). The report's own bundle is vite.config.mjs.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (/** @type {string} */ p) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  publicDir: false,
  logLevel: 'warn',
  resolve: {
    alias: [
      { find: /^\.\.\/(text|charts)\.js$/, replacement: here('../$1.ts') },
      { find: /^\.\/filter\.js$/, replacement: here('./filter.ts') },
    ],
  },
  build: {
    outDir: here('../../../dist/dashboard-assets'),
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    cssMinify: true,
    sourcemap: false,
    reportCompressedSize: false,
    lib: {
      entry: here('dashboard.js'),
      formats: ['iife'],
      name: 'appwatchDashboard',
      fileName: () => 'dashboard.js',
      cssFileName: 'dashboard',
    },
  },
});
