import Dexie from 'dexie';

/**
 * IndexedDB failures (through Dexie) told as what they mean for the agent: the browser's storage failed,
 * and what to do about it. Without this an agent with a full disk or a blocked IndexedDB would read
 * "something unexpected went wrong" and have nothing to act on.
 */

export interface StorageFailure {
  /** The error name that decided (e.g. QuotaExceededError), for diagnostics. */
  name: string;
  message: string;
  retryable: boolean;
}

const FULL = 'QuotaExceededError';
const UNAVAILABLE = new Set(['MissingAPIError', 'OpenFailedError', 'InvalidAccessError', 'SecurityError']);
const CLOSED = new Set(['DatabaseClosedError', 'InvalidStateError', 'TransactionInactiveError', 'VersionChangeError']);
const NEWER = 'VersionError';

/**
 * The storage failure this error is, or undefined when it is not one. Dexie wraps IndexedDB's errors (a
 * transaction aborted because the quota ran out is an AbortError whose `inner` is the QuotaExceededError),
 * so the whole `inner` chain is read, most specific first. Only Dexie's own errors and the DOMException
 * names that only storage throws count: a fetch AbortError must not read as a storage failure.
 */
export function storageFailure(error: unknown): StorageFailure | undefined {
  const chain = innerChain(error);
  const names = chain.map((item) => item.name);
  if (names.includes(FULL)) {
    return {
      name: FULL,
      message:
        "The browser's storage for CRM Chat Bridge is full (QuotaExceededError), so this chat could not be remembered. Free some disk space or clear other sites' data, then try again.",
      retryable: true,
    };
  }
  if (!chain.some((item) => item instanceof Dexie.DexieError)) return undefined;
  const name = names.find((candidate) => UNAVAILABLE.has(candidate) || CLOSED.has(candidate) || candidate === NEWER) ?? names[0] ?? 'Error';
  if (UNAVAILABLE.has(name)) {
    return {
      name,
      message: `The browser does not let CRM Chat Bridge use its storage (IndexedDB: ${name}). This happens in private windows or when the browser blocks site data; use a normal window or allow site data, then try again.`,
      retryable: false,
    };
  }
  if (name === NEWER) {
    return {
      name,
      message: `The browser's storage for CRM Chat Bridge was written by a newer version of the extension (IndexedDB: ${name}). Update the extension, or ask your administrator.`,
      retryable: false,
    };
  }
  return {
    name,
    message: `The browser's storage for CRM Chat Bridge failed (IndexedDB: ${name}). Try again; if it keeps failing, restart the browser.`,
    retryable: true,
  };
}

/** The error and its `inner` causes (Dexie's wrapping), outermost first; bounded against cycles. */
function innerChain(error: unknown): Array<{ name: string }> {
  const chain: Array<{ name: string }> = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && chain.length < 5) {
    const name = (current as { name?: unknown }).name;
    if (typeof name === 'string') chain.push(current as { name: string });
    current = (current as { inner?: unknown }).inner;
  }
  return chain;
}
