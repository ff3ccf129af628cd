/**
 * Content scripts run on every CRM page all day, so their size is a budget, not a wish. Prints each built
 * content script's gzipped size and fails when one exceeds the budget. Run after a build (npm test does).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Every content script, gzipped (issue 17: 20 KB; the crm and dashboard scripts are about 19 and 16 KB). */
export const CONTENT_SCRIPT_BUDGET_BYTES = 20 * 1024;
const BUILDS = ['.output/chrome-mv3', '.output/firefox-mv2'];

export interface ContentScriptSize {
  file: string;
  rawBytes: number;
  gzippedBytes: number;
}

/** Every content script of one build (e.g. `.output/chrome-mv3`), measured as the budget counts it; [] if not built. */
export function contentScriptSizes(build: string): ContentScriptSize[] {
  const dir = path.join(build, 'content-scripts');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.js'))
    .map((name) => {
      const bytes = readFileSync(path.join(dir, name));
      return { file: path.join(dir, name), rawBytes: bytes.length, gzippedBytes: gzipSync(bytes, { level: 9 }).length };
    });
}

// Run as a script (npm run size); importing it (the benchmarks measure with it) checks nothing.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) checkSizes();

function checkSizes(): void {
  const sizes = BUILDS.flatMap(contentScriptSizes);
  for (const { file, rawBytes, gzippedBytes } of sizes) {
    const over = gzippedBytes > CONTENT_SCRIPT_BUDGET_BYTES;
    console.log(
      `${over ? 'OVER ' : 'ok   '} ${file}: ${(rawBytes / 1024).toFixed(1)} KB raw, ${(gzippedBytes / 1024).toFixed(1)} KB gzipped (budget ${CONTENT_SCRIPT_BUDGET_BYTES / 1024} KB)`,
    );
  }
  if (sizes.length === 0) {
    console.error('size-check: no built content scripts found; run "npm run build && npm run build:firefox" first.');
    process.exit(1);
  }
  if (sizes.some((size) => size.gzippedBytes > CONTENT_SCRIPT_BUDGET_BYTES)) process.exit(1);
}
