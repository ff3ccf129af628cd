import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { failureOutcome } from '../../../lib/actions/outcome';
import { storageFailure } from '../../../lib/store/errors';

describe('storage failures', () => {
  it('a full disk: the raw DOMException, or wrapped by Dexie (a transaction aborted by the quota)', () => {
    const quota = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    for (const error of [quota, new Dexie.QuotaExceededError(quota), new Dexie.AbortError('Transaction aborted', quota)]) {
      expect(storageFailure(error)).toMatchObject({ name: 'QuotaExceededError', retryable: true });
    }
    expect(failureOutcome(new Dexie.AbortError('aborted', quota)).message).toMatch(/^The browser's storage for CRM Chat Bridge is full/);
  });

  it.each([
    [new Dexie.MissingAPIError('IndexedDB API missing'), 'MissingAPIError', /does not let CRM Chat Bridge use its storage/, false],
    [new Dexie.OpenFailedError(new Dexie.MissingAPIError('no idb')), 'OpenFailedError', /does not let CRM Chat Bridge use its storage/, false],
    [new Dexie.DatabaseClosedError('closed'), 'DatabaseClosedError', /storage for CRM Chat Bridge failed \(IndexedDB: DatabaseClosedError\)/, true],
    [new Dexie.VersionError('newer'), 'VersionError', /written by a newer version of the extension/, false],
    [new Dexie.UnknownError('Internal error opening backing store'), 'UnknownError', /failed \(IndexedDB: UnknownError\)\. Try again/, true],
  ])('%s → %s', (error, name, message, retryable) => {
    expect(storageFailure(error)).toMatchObject({ name, retryable });
    expect(failureOutcome(error)).toEqual({ ok: false, message: expect.stringMatching(message), retryable });
  });

  it('is not confused with other errors of the same names (a fetch abort is no storage failure)', () => {
    expect(storageFailure(new DOMException('The operation was aborted.', 'AbortError'))).toBeUndefined();
    expect(storageFailure(new TypeError('x is undefined'))).toBeUndefined();
    expect(storageFailure('plain string')).toBeUndefined();
    expect(failureOutcome(new TypeError('x is undefined')).message).toBe('Something unexpected went wrong: x is undefined');
  });

  it('never repeats the error’s own text (it could quote stored values), only its name', () => {
    const outcome = failureOutcome(new Dexie.DataCloneError('could not clone https://app.test/m/SECRET'));
    expect(outcome.message).toBe("The browser's storage for CRM Chat Bridge failed (IndexedDB: DataCloneError). Try again; if it keeps failing, restart the browser.");
  });
});
