/**
 * @module serve/assets
 * The dashboard's browser code, built by `npm run build` from src/report/ui (the report's components with the
 * dashboard's entry) into dist/dashboard-assets/. Read once; the server sends them as files ('self' in the CSP).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface DashboardAssets { script: string; style: string }

/** Beside dist/serve when built, or under dist/ from the sources (tests). */
const ASSET_DIRS = ['../dashboard-assets/', '../../dist/dashboard-assets/'];

let cached: DashboardAssets | undefined;

export function loadDashboardAssets(): DashboardAssets {
  if (cached) return cached;
  for (const dir of ASSET_DIRS) {
    const base = new URL(dir, import.meta.url);
    const js = fileURLToPath(new URL('dashboard.js', base));
    const css = fileURLToPath(new URL('dashboard.css', base));
    if (existsSync(js) && existsSync(css)) {
      cached = { script: readFileSync(js, 'utf8'), style: readFileSync(css, 'utf8') };
      return cached;
    }
  }
  throw new Error('the dashboard\'s browser code is not built (dist/dashboard-assets/dashboard.js and dashboard.css are missing): run `npm run build`');
}
