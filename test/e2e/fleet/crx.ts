import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * A self-hosted CRX, as an admin would build one: a private key of their own (generated here, per run,
 * never committed), `chromium --pack-extension`, and the extension id that key gives.
 */

/** Chrome's extension id: the first 32 hex digits of SHA-256(DER SubjectPublicKeyInfo), 0-f mapped to a-p. */
export function extensionIdFromPublicKey(spkiDer: Buffer): string {
  const hex = createHash('sha256').update(spkiDer).digest('hex').slice(0, 32);
  return [...hex].map((digit) => String.fromCharCode(97 + Number.parseInt(digit, 16))).join('');
}

export interface PackedCrx {
  crxPath: string;
  /** The id Chrome gives the CRX: from the CRX's key, not from the manifest's `key` field. */
  id: string;
  /** The CRX's public key as a manifest `key` (base64 DER): Chrome writes it into the installed manifest. */
  publicKey: string;
  version: string;
  /** The id the manifest's own `key` would give (an unpacked load): must differ from `id`. */
  manifestKeyId: string | null;
}

/** Packs a copy of `extensionDir` inside `workDir` with a fresh RSA-2048 key (PKCS#8 PEM, as Chrome writes it). */
export async function packCrx(chromiumPath: string, extensionDir: string, workDir: string): Promise<PackedCrx> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  const keyPath = path.join(workDir, 'fleet-key.pem');
  writeFileSync(keyPath, privateKey, { mode: 0o600 });
  // Chromium writes <dir>.crx next to the directory it packs: pack a copy, never the build output.
  const copy = path.join(workDir, 'ext');
  cpSync(extensionDir, copy, { recursive: true });
  // --user-data-dir: packing needs no profile, but without one Chromium would touch the default profile;
  // --no-sandbox: as root (CI) Chromium refuses to start without it, even just to pack.
  await promisify(execFile)(
    chromiumPath,
    [`--pack-extension=${copy}`, `--pack-extension-key=${keyPath}`, '--no-message-box', '--no-sandbox', `--user-data-dir=${path.join(workDir, 'pack-profile')}`],
    { timeout: 30_000 },
  );
  const crxPath = `${copy}.crx`;
  if (!existsSync(crxPath)) throw new Error(`chromium --pack-extension wrote no ${crxPath}`);
  const manifest = JSON.parse(readFileSync(path.join(copy, 'manifest.json'), 'utf8')) as { version: string; key?: string };
  return {
    crxPath,
    id: extensionIdFromPublicKey(publicKey),
    publicKey: publicKey.toString('base64'),
    version: manifest.version,
    manifestKeyId: manifest.key ? extensionIdFromPublicKey(Buffer.from(manifest.key, 'base64')) : null,
  };
}
