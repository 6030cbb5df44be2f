// @ts-check
/**
 * Builds the report's browser code into dist/report-assets/report.js (one IIFE, no imports, no eval) and
 * report.css; the report writer (src/report/html.ts) inlines both and puts their hashes in the page's CSP.
 */
import { uiBundle } from './vite.shared.mjs';

export default uiBundle({ entry: 'main.js', outDir: 'report-assets', name: 'appwatchReport', file: 'report' });
