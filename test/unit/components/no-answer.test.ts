import { afterEach, describe, expect, it, vi } from 'vitest';
import { noAnswerOutcome } from '../../../components/LeadActions';

describe('the toast when the background does not answer', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a stopped worker: Retry, in words an agent understands; the browser’s wording goes to the console only', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const browserText = 'A listener indicated an asynchronous response by returning true, but the message channel closed before a response was received';
    const outcome = noAnswerOutcome(new Error(browserText));
    expect(outcome).toEqual({
      ok: false,
      message: 'The browser stopped the extension before it answered. Click Retry: nothing already started is done twice.',
      retryable: true,
    });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(browserText));
  });

  it('an orphaned page after an update: reload, no Retry (it could not work)', () => {
    expect(noAnswerOutcome(new Error('Extension context invalidated.'))).toEqual({
      ok: false,
      message: 'The extension was updated or restarted. Reload this page, then click again.',
      retryable: false,
    });
  });

  it.each(['UntrustedSenderError', 'InvalidRequestError'])('a refusal (%s) says it was refused and why; no Retry, no "the browser stopped"', (name) => {
    const error = Object.assign(new Error('This tab shows http://crm.test/list, which no active CRM profile or admin rule covers, so the extension does not act on it.'), { name });
    expect(noAnswerOutcome(error)).toEqual({
      ok: false,
      message: 'The extension refused this request: This tab shows http://crm.test/list, which no active CRM profile or admin rule covers, so the extension does not act on it.',
      retryable: false,
    });
  });
});
