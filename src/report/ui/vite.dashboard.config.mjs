// @ts-check
/**
 * Builds the dashboard's browser code (`appwatch serve`) into dist/dashboard-assets/dashboard.js (one IIFE, no
 * imports, no eval) and dashboard.css: the report's components (src/report/ui) with the dashboard's entry. The
 * server sends them as files ('self' in its CSP header). The report's own bundle is vite.config.mjs.
 */
import { uiBundle } from './vite.shared.mjs';

export default uiBundle({ entry: 'dashboard.js', outDir: 'dashboard-assets', name: 'appwatchDashboard', file: 'dashboard' });
