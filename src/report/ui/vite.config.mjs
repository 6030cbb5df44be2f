// @ts-check
/**
 * Builds the report's browser code into dist/report-assets/report.js (one IIFE, no imports, no eval) and
 * report.css; the report writer (src/report/html.ts) inlines both and puts their hashes in the page's CSP.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (/** @type {string} */ p) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  publicDir: false,
  logLevel: 'warn',
  resolve: {
    // The UI imports the shared TypeScript modules by their .js names, as Node's ESM does; map them to the sources.
    alias: [
      { find: /^\.\.\/(text|charts)\.js$/, replacement: here('../$1.ts') },
      { find: /^\.\/filter\.js$/, replacement: here('./filter.ts') },
    ],
  },
  build: {
    outDir: here('../../../dist/report-assets'),
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    cssMinify: true,
    sourcemap: false,
    reportCompressedSize: false,
    lib: {
      entry: here('main.js'),
      formats: ['iife'],
      name: 'appwatchReport',
      fileName: () => 'report.js',
      cssFileName: 'report',
    },
  },
});
