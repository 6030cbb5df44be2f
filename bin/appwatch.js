#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` through `prepare`).
import { main } from '../dist/cli/main.js';

// A reader that goes away (`appwatch --help | head -1`) is not an error: stop writing, no stack trace.
// Data output notices the same through its own writer (cli/output.ts) and stops early.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
});

process.exitCode = await main(process.argv.slice(2));
