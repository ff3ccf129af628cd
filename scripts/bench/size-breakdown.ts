/**
 * What the CRM content script is made of (issue 17: report its top contributors). Builds the crm content
 * script alone with source maps (the project's own wxt.config.ts, wrapped by a throw-away config that only
 * turns `build.sourcemap` on; CCB_DEV_HOSTS=1, as the benchmarks measure it) into .output/size-breakdown,
 * checks the code is byte for byte the one measured, and attributes every byte of it to the source module its
 * source map names. Per module: raw bytes, and the gzipped bytes the bundle loses without them (the bundle
 * gzipped, minus the bundle with that module's bytes cut out, gzipped: what it costs in the budget's units).
 * No dependency: the source map's VLQ mappings are decoded here.
 *
 * `npx tsx scripts/bench/size-breakdown.ts [--top N] [--measured DIR]`; `npm run bench` puts the top
 * contributors in the content-script row's data (page-cost.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OUT_DIR = path.join(ROOT, '.output/size-breakdown');
const SCRIPT = 'chrome-mv3/content-scripts/crm.js';

export interface Contributor {
  /** A package (`preact`, `@webext-core/messaging`) or a project file (`lib/crm/rules/compile.ts`). */
  module: string;
  rawBytes: number;
  /** Gzipped bytes the bundle would lose without this module's code (marginal; they do not sum to the total). */
  gzippedBytes: number;
}

export interface SizeBreakdown {
  rawBytes: number;
  gzippedBytes: number;
  /** Largest first (by marginal gzipped bytes). Bytes the map names no source for are `(unmapped)`. */
  contributors: Contributor[];
  /** Whether the source-mapped build is byte for byte the measured script (when one was given). */
  sameAsMeasured?: boolean;
}

const gz = (text: string | Buffer) => gzipSync(text, { level: 9 }).length;

/** Builds the crm content script with source maps; returns its code and map. */
function buildWithSourceMap(): { code: string; map: SourceMap } {
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  const config = path.join(OUT_DIR, 'wxt.sourcemap.config.ts');
  // Everything from the project's config; only the source maps are added.
  writeFileSync(
    config,
    `import base from ${JSON.stringify(path.join(ROOT, 'wxt.config.ts'))};
const vite = base.vite;
export default { ...base, vite: async (env) => { const own = typeof vite === 'function' ? await vite(env) : (vite ?? {});
  return { ...own, build: { ...(own.build ?? {}), sourcemap: true } }; } };
`,
  );
  execFileSync('npx', ['wxt', 'build', '-c', config, '-e', 'crm', '--level', 'error'], {
    cwd: ROOT,
    env: { ...process.env, CCB_DEV_HOSTS: '1', CCB_OUT_DIR: path.join(OUT_DIR, 'build') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const file = path.join(OUT_DIR, 'build', SCRIPT);
  return { code: readFileSync(file, 'utf8'), map: JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMap };
}

/** The `//# sourceMappingURL=` line a source-mapped build adds (WXT puts it before its last line): not in the measured script. */
const MAPPING_COMMENT = /\n\/\/# sourceMappingURL=[^\n]*/;

interface SourceMap {
  sources: string[];
  mappings: string;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Source-map VLQ: one segment's fields. */
function decodeSegment(segment: string): number[] {
  const fields: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return fields;
}

/** `node_modules/.pnpm/…/node_modules/@scope/pkg/x.js` → `@scope/pkg`; a project file stays a path. */
function moduleName(source: string): string {
  const clean = source.replace(/^(\.\.\/)+/, '').replace(/\?.*$/, '');
  const at = clean.lastIndexOf('node_modules/');
  if (at < 0) return clean;
  const [first, second] = clean.slice(at + 'node_modules/'.length).split('/');
  return first?.startsWith('@') ? `${first}/${second}` : (first ?? clean);
}

/** Which module each byte of `code` came from, by the map's segments (a segment runs to the next one). */
function owners(code: string, map: SourceMap): (string | undefined)[] {
  const byByte: (string | undefined)[] = new Array(code.length);
  const lines = code.split('\n');
  const mappingLines = map.mappings.split(';');
  let offset = 0;
  let source = 0;
  for (let line = 0; line < lines.length; line++) {
    const text = lines[line] ?? '';
    let column = 0;
    let current: string | undefined;
    for (const segment of (mappingLines[line] ?? '').split(',')) {
      if (!segment) continue;
      const fields = decodeSegment(segment);
      const next = column + (fields[0] ?? 0);
      byByte.fill(current, offset + Math.min(column, text.length), offset + Math.min(next, text.length));
      column = next;
      if (fields.length >= 4) {
        source += fields[1] ?? 0;
        const name = map.sources[source];
        current = name === undefined ? undefined : moduleName(name);
      } else current = undefined;
    }
    byByte.fill(current, offset + Math.min(column, text.length), offset + text.length + 1);
    offset += text.length + 1;
  }
  return byByte;
}

/** The content script's contributors, largest first; `measuredScript` is the built crm.js the figures are about. */
export function sizeBreakdown(measuredScript?: string): SizeBreakdown {
  const built = buildWithSourceMap();
  // Whose each byte is, by the map's lines; then the mapping comment's bytes are cut from both.
  const owner = owners(built.code, built.map);
  const comment = MAPPING_COMMENT.exec(built.code);
  const cut = comment ? [comment.index, comment.index + comment[0].length] : [built.code.length, built.code.length];
  const code = built.code.slice(0, cut[0]) + built.code.slice(cut[1]);
  const byByte = [...owner.slice(0, cut[0]), ...owner.slice(cut[1])];
  const modules = new Map<string, number[]>();
  for (let i = 0; i < code.length; i++) {
    const name = byByte[i] ?? '(unmapped)';
    const list = modules.get(name) ?? [];
    if (list.length === 0) modules.set(name, list);
    list.push(i);
  }
  const total = gz(code);
  const contributors = [...modules].map(([module, bytes]) => {
    const own = new Set(bytes);
    let without = '';
    for (let i = 0; i < code.length; i++) if (!own.has(i)) without += code[i];
    return { module, rawBytes: Buffer.byteLength(bytes.map((i) => code[i]).join('')), gzippedBytes: total - gz(without) };
  });
  contributors.sort((a, b) => b.gzippedBytes - a.gzippedBytes || b.rawBytes - a.rawBytes);
  const sameAsMeasured = measuredScript && existsSync(measuredScript) ? readFileSync(measuredScript, 'utf8') === code : undefined;
  return { rawBytes: Buffer.byteLength(code), gzippedBytes: total, contributors, ...(sameAsMeasured === undefined ? {} : { sameAsMeasured }) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const top = Number(arg('top') ?? 12);
  const measured = path.resolve(arg('measured') ?? path.join(process.env.CCB_OUT_DIR ?? '.output/dev-hosts'), SCRIPT);
  const result = sizeBreakdown(measured);
  console.log(
    `crm.js: ${(result.rawBytes / 1024).toFixed(1)} KB raw, ${(result.gzippedBytes / 1024).toFixed(1)} KB gzipped` +
      (result.sameAsMeasured === undefined ? '' : result.sameAsMeasured ? ` (same code as ${measured})` : ` (NOT the code of ${measured}: rebuild it)`),
  );
  for (const { module, rawBytes, gzippedBytes } of result.contributors.slice(0, top)) {
    console.log(`${(gzippedBytes / 1024).toFixed(2).padStart(6)} KB gz  ${(rawBytes / 1024).toFixed(1).padStart(6)} KB raw  ${module}`);
  }
}
