import { beforeEach, describe, expect, it } from 'vitest';
import { forgetSecrets, REDACTED, redact, redactOutcome, rememberSecret } from '../../../lib/redact';

beforeEach(() => forgetSecrets());

describe('redact: values the background handles', () => {
  it('masks a remembered token wherever it appears, also URL-encoded', () => {
    rememberSecret('tok_9f8e7d6c+5b4a/3');
    expect(redact('Saleschat error 4030001 FORBIDDEN — token tok_9f8e7d6c+5b4a/3 may not do this')).toBe(
      `Saleschat error 4030001 FORBIDDEN — token ${REDACTED} may not do this`,
    );
    expect(redact('GET /x?t=tok_9f8e7d6c%2B5b4a%2F3')).not.toContain('9f8e7d6c');
  });

  it('masks a remembered magic link of any shape, and its secret part quoted alone', () => {
    // Not recognisable by shape: no "magic", no credential parameter.
    const link = 'https://app.saleschat.pro/sso/3q2+7wAAAAAAAA-Zx9KpL0Q';
    rememberSecret(link);
    expect(redact(`Illegal URL: ${link}`)).toBe(`Illegal URL: ${REDACTED}`);
    expect(redact('login code 3q2+7wAAAAAAAA-Zx9KpL0Q has expired')).toBe(`login code ${REDACTED} has expired`);
  });

  it('masks secrets passed with the call, and leaves short or non-string values alone', () => {
    rememberSecret(undefined);
    rememberSecret(42);
    rememberSecret('short');
    expect(redact('a short answer', [null, undefined, 'tiny'])).toBe('a short answer');
    expect(redact('the key is k-1234567890', ['k-1234567890'])).toBe(`the key is ${REDACTED}`);
  });
});

describe('redact: credential shapes', () => {
  it.each([
    ['Headers.append: "Bearer fake.jwt-for-tests.abc" is an invalid header value.', `Headers.append: "Bearer ${REDACTED}" is an invalid header value.`],
    ['Authorization: Bearer tok_fake_0123456789', `Authorization: Bearer ${REDACTED}`],
    ['{"authorization":"tok_fake_0123456789"}', `{"authorization":"${REDACTED}"}`],
    ['Authorization: tok_fake_0123456789', `Authorization: ${REDACTED}`],
    ['open https://app.saleschat.pro/app/magic/abcDEF123456789 failed.', `open https://app.saleschat.pro/${REDACTED} failed.`],
    ['see https://app.example/magic-login?u=1&t=x', `see https://app.example/${REDACTED}`],
    ['GET https://api.example/cb?code=abc123&state=ok', `GET https://api.example/cb?code=${REDACTED}&state=ok`],
    ['https://app.example/#access_token=abc.def&expires=3600', `https://app.example/#access_token=${REDACTED}&expires=3600`],
    ['https://admin:hunter2@api.example/v1 (refused)', `https://${REDACTED}@api.example/v1 (refused)`],
    ['{"magic_link":"https://x.example/l/1","expiry_ts":1}', `{"magic_link":"${REDACTED}","expiry_ts":1}`],
    ['{"apiToken": "abc", "orgId": "org_1"}', `{"apiToken": "${REDACTED}", "orgId": "org_1"}`],
    ['retry with api_key=abcdef123 later', `retry with api_key=${REDACTED} later`],
  ])('%s', (input, output) => {
    expect(redact(input)).toBe(output);
  });

  it.each([
    'Saleschat rejected the API token (4010001 UNAUTHORIZED). Ask your administrator to check apiToken.',
    'Cannot reach Saleschat at https://apis.saleschat.pro (Failed to fetch).',
    'Chat with Ada Lovelace opened.',
    'Saleschat opened, logged in as alice@example.com.',
    'apiToken: Invalid input: expected string, received number',
    'Open https://app.saleschat.pro/app/chatrooms/cr_12?tab=info.',
    'A Bearer token is required.',
  ])('leaves ordinary messages alone: %s', (message) => {
    expect(redact(message)).toBe(message);
  });
});

describe('redactOutcome', () => {
  it('redacts the message and the provider’s error message, and keeps everything else', () => {
    rememberSecret('sandbox-token-demo');
    expect(
      redactOutcome({
        ok: false,
        message: 'Creating the Saleschat contact failed: Saleschat error 4030001 FORBIDDEN — sandbox-token-demo',
        errorCode: 4030001,
        errorMessage: 'FORBIDDEN sandbox-token-demo',
        status: 403,
        retryable: false,
      }),
    ).toEqual({
      ok: false,
      message: `Creating the Saleschat contact failed: Saleschat error 4030001 FORBIDDEN — ${REDACTED}`,
      errorCode: 4030001,
      errorMessage: `FORBIDDEN ${REDACTED}`,
      status: 403,
      retryable: false,
    });
  });
});
