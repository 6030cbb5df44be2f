// @ts-check
/**
 * The one build both browser bundles share (the report's and the dashboard's): one IIFE with no imports and no
 * eval, and its CSS, from an entry in this folder; the shared TypeScript modules resolved to their sources.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (/** @type {string} */ p) => fileURLToPath(new URL(p, import.meta.url));

/**
 * @param {{ entry: string, outDir: string, name: string, file: string }} bundle entry file here; output folder under
 *   dist/; global name of the IIFE; base name of the .js and .css files
 */
export function uiBundle({ entry, outDir, name, file }) {
  return defineConfig({
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
      outDir: here(`../../../dist/${outDir}`),
      emptyOutDir: true,
      target: 'es2022',
      minify: true,
      cssMinify: true,
      sourcemap: false,
      reportCompressedSize: false,
      lib: { entry: here(entry), formats: ['iife'], name, fileName: () => `${file}.js`, cssFileName: file },
    },
  });
}
