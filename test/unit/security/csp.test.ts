import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import config from '../../../wxt.config';

/**
 * Strict extension CSP and no remote code (issue 5, security): extension pages may run only the extension's own
 * scripts, no plugins; the built bundles load nothing from the network and evaluate no strings.
 *
 * The configuration is checked for both browsers; the built extension is checked where a build exists: the
 * release builds in `.output/` (npm test builds them before the unit tests), or `$CCB_OUT_DIR` for a build
 * elsewhere. Both flavours (release, dev-hosts) must pass.
 */

type Csp = Record<string, string[]>;

function parseCsp(policy: string): Csp {
  const directives: Csp = {};
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives[name.toLowerCase()] = sources;
  }
  return directives;
}

/** What a manifest's extension-page CSP must be, whatever its manifest version. */
function expectStrict(policy: unknown): void {
  expect(typeof policy).toBe('string');
  const csp = parseCsp(policy as string);
  expect(csp['script-src']).toEqual(["'self'"]);
  expect(csp['object-src']).toEqual(["'none'"]);
  // No other directive may widen script sources (default-src is script-src's fallback; worker-src loads code).
  for (const directive of ['default-src', 'script-src-elem', 'script-src-attr', 'worker-src']) expect(csp[directive]).toBeUndefined();
  expect(policy).not.toMatch(/unsafe-eval|unsafe-inline|wasm-unsafe-eval|https?:|\*|data:|blob:/);
}

interface Manifest {
  manifest_version: number;
  content_security_policy?: string | { extension_pages?: string; sandbox?: string };
  externally_connectable?: unknown;
  web_accessible_resources?: unknown;
  sandbox?: unknown;
}

function expectManifest(manifest: Manifest): void {
  const csp = manifest.content_security_policy;
  if (manifest.manifest_version === 3) {
    expect(typeof csp).toBe('object');
    expectStrict((csp as { extension_pages?: string }).extension_pages);
    expect((csp as { sandbox?: string }).sandbox).toBeUndefined();
  } else {
    expectStrict(csp);
  }
  // Nothing of ours is reachable from web pages: no messaging entry point, no loadable files, no sandboxed pages.
  expect(manifest.externally_connectable).toBeUndefined();
  expect(manifest.web_accessible_resources).toBeUndefined();
  expect(manifest.sandbox).toBeUndefined();
}

describe('the manifest the config generates', () => {
  it.each([
    ['chrome', 3],
    ['firefox', 2],
  ] as const)('%s (MV%i): script-src self only, object-src none, nothing exposed to pages', async (browser, manifestVersion) => {
    const manifest = config.manifest;
    expect(typeof manifest).toBe('function');
    const generated = await (manifest as (env: object) => Manifest | Promise<Manifest>)({ browser, manifestVersion, mode: 'production', command: 'build' });
    expectManifest({ ...generated, manifest_version: manifestVersion });
  });
});

const BUILD_ROOT = path.resolve(process.env.CCB_OUT_DIR ?? '.output');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
  );
}

/** Ways a bundle could run code it did not ship with. Plain URL strings (API hosts, match patterns) are data. */
const REMOTE_CODE: [string, RegExp][] = [
  ['a remote <script src>', /<script\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?\/\//i],
  ['a remote module preload or import map', /<link\b[^>]*\brel\s*=\s*["']?modulepreload[^>]*\bhref\s*=\s*["']?(?:https?:)?\/\/|<script\b[^>]*type\s*=\s*["']?importmap/i],
  ['a dynamic import of a URL', /\bimport\s*\(\s*["'`](?:https?:)?\/\//],
  ['a static import from a URL', /\bfrom\s*["'`](?:https?:)?\/\//],
  ['importScripts of a URL', /\bimportScripts\s*\(\s*["'`](?:https?:)?\/\//],
  ['eval', /(?<![\w$.])eval\s*\(/],
  ['the Function constructor', /\bnew\s+Function\s*\(|(?<![\w$.])Function\s*\(\s*["'`]/],
];

describe.each(['chrome-mv3', 'firefox-mv2'])('the built extension in %s', (target) => {
  const dir = path.join(BUILD_ROOT, target);
  if (!existsSync(path.join(dir, 'manifest.json'))) {
    it.skip(`not built at ${dir}: run "npx wxt build${target.startsWith('firefox') ? ' -b firefox' : ''}" or set CCB_OUT_DIR`, () => undefined);
    return;
  }

  it('has the strict CSP and exposes nothing to pages', () => {
    expectManifest(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest);
  });

  it('loads no remote code and evaluates no strings: every script is a file of the extension', () => {
    const files = filesUnder(dir);
    const code = files.filter((file) => /\.(m?js|html)$/.test(file));
    expect(code.length).toBeGreaterThan(0);
    const found: string[] = [];
    for (const file of code) {
      const text = readFileSync(file, 'utf8');
      for (const [what, pattern] of REMOTE_CODE) if (pattern.test(text)) found.push(`${path.relative(dir, file)}: ${what}`);
      if (file.endsWith('.html')) {
        for (const [, src = ''] of text.matchAll(/<script\b[^>]*\bsrc\s*=\s*["']?([^"' >]+)/gi)) {
          const local = src.startsWith('/') ? path.join(dir, src) : path.resolve(path.dirname(file), src);
          if (/^[a-z][\w+.-]*:|^\/\//i.test(src) || !existsSync(local)) found.push(`${path.relative(dir, file)}: script ${src} is not a file of the build`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});
