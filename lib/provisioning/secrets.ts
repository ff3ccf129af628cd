import { REDACTED, redact } from '../redact';

/**
 * Masks the credentials a provisioning run holds: the API token and every password it generates. They are
 * known to the process, so they are masked by value wherever they turn up — a provider error that echoes
 * the request, an exception message — in every line printed and every file written except the passwords
 * file the operator asked for. Printed lines and report cells also go through the extension's shape rules
 * (lib/redact.ts: `Bearer …`, `"password": "…"`, credentials in URLs) for secrets the run never saw.
 *
 * Not lib/redact.ts's `rememberSecret`: that list keeps the 64 most recent values (enough for a browser
 * session), and a run of 1,000 users generates 1,000 passwords, all of which must stay masked until the
 * report is written. Lookups go through an index on each secret's first characters, so masking costs the
 * about the same for 10 or 10,000 secrets.
 */

/** Shorter strings are not masked by value (as in lib/redact.ts): they would mangle ordinary words. */
export const MIN_SECRET_LENGTH = 8;

export class SecretMasker {
  /** First MIN_SECRET_LENGTH characters → the registered forms starting with them, and their lengths (longest first). */
  private readonly byPrefix = new Map<string, { forms: Set<string>; lengths: number[] }>();

  /** Registers a credential (and its trimmed, URL-encoded and JSON-escaped forms) to mask from now on. */
  add(value: unknown): void {
    if (typeof value !== 'string') return;
    for (const secret of new Set([value, value.trim()])) {
      if (secret.length < MIN_SECRET_LENGTH) continue;
      for (const form of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])) {
        const prefix = form.slice(0, MIN_SECRET_LENGTH);
        const entry = this.byPrefix.get(prefix) ?? { forms: new Set<string>(), lengths: [] };
        entry.forms.add(form);
        if (!entry.lengths.includes(form.length)) entry.lengths = [...entry.lengths, form.length].sort((a, b) => b - a);
        this.byPrefix.set(prefix, entry);
      }
    }
  }

  /** `text` with every registered credential replaced by [redacted]; nothing else changes (for JSON files). */
  maskKnown(text: string): string {
    if (this.byPrefix.size === 0) return text;
    let masked = '';
    let copiedUpTo = 0;
    for (let index = 0; index + MIN_SECRET_LENGTH <= text.length; ) {
      const entry = this.byPrefix.get(text.slice(index, index + MIN_SECRET_LENGTH));
      const hit = entry?.lengths.find((length) => entry.forms.has(text.slice(index, index + length)));
      if (hit === undefined) {
        index += 1;
        continue;
      }
      masked += text.slice(copiedUpTo, index) + REDACTED;
      index += hit;
      copiedUpTo = index;
    }
    return copiedUpTo === 0 ? text : masked + text.slice(copiedUpTo);
  }

  /** Registered credentials, then credential-shaped parts: for every printed line and report cell. */
  mask(text: string): string {
    return redact(this.maskKnown(text));
  }
}
