/**
 * Content scripts run on every CRM page all day, so their size is a budget, not a wish. Prints each built
 * content script's gzipped size and fails when one exceeds the budget. Run after a build (npm test does).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

export const CONTENT_SCRIPT_BUDGET_BYTES = 25 * 1024;
const BUILDS = ['.output/chrome-mv3', '.output/firefox-mv2'];

// Run as a script (npm run size); importing it (the benchmark reads the budget) checks nothing.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) checkSizes();

function checkSizes(): void {
  let failed = false;
  let checked = 0;
  for (const build of BUILDS) {
    const dir = path.join(build, 'content-scripts');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.js'))) {
      const bytes = readFileSync(path.join(dir, file));
      const gzipped = gzipSync(bytes, { level: 9 }).length;
      const over = gzipped > CONTENT_SCRIPT_BUDGET_BYTES;
      failed ||= over;
      checked += 1;
      console.log(
        `${over ? 'OVER ' : 'ok   '} ${path.join(dir, file)}: ${(bytes.length / 1024).toFixed(1)} KB raw, ${(gzipped / 1024).toFixed(1)} KB gzipped (budget ${CONTENT_SCRIPT_BUDGET_BYTES / 1024} KB)`,
      );
    }
}
if (checked === 0) {
  console.error('size-check: no built content scripts found; run "npm run build && npm run build:firefox" first.');
  process.exit(1);
}
if (failed) process.exit(1);
}
