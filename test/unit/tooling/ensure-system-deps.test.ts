import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// scripts/ensure-system-deps.sh is the preflight of `npm test`, `npm run demo` and .ci/run. These runs point the
// browsers at fake or real files through CHROMIUM_PATH / FIREFOX_PATH, so they do not depend on what this machine
// has installed, and set CCB_NO_INSTALL so that even as root they never call apt-get.
const MISSING = '/nonexistent-ccb-test/browser';
const EXECUTABLE = process.execPath; // node itself: an executable file that surely exists

function preflight(env: Record<string, string>, ...requirements: string[]) {
  const result = spawnSync('bash', ['scripts/ensure-system-deps.sh', ...requirements], {
    env: { ...process.env, CCB_NO_INSTALL: '1', ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('scripts/ensure-system-deps.sh', () => {
  it('stops with exit code 1 and names each browser variable that points at nothing, installing nothing', () => {
    const run = preflight({ CHROMIUM_PATH: MISSING, FIREFOX_PATH: MISSING }, 'chromium', 'firefox-esr');
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`CHROMIUM_PATH=${MISSING} is not an executable file: point it at Chromium`);
    expect(run.stderr).toContain(`FIREFOX_PATH=${MISSING} is not an executable file: point it at Firefox ESR`);
  });

  it('names only what is missing', () => {
    const run = preflight({ CHROMIUM_PATH: EXECUTABLE, FIREFOX_PATH: MISSING }, 'chromium', 'firefox-esr');
    expect(run.status).toBe(1);
    expect(run.stderr).not.toContain('CHROMIUM_PATH');
    expect(run.stderr).toContain(`FIREFOX_PATH=${MISSING}`);
  });

  it('checks only the requirements it is given (the demo needs Chromium alone)', () => {
    const run = preflight({ CHROMIUM_PATH: EXECUTABLE, FIREFOX_PATH: MISSING }, 'chromium');
    expect(run).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('is silent and succeeds when everything is there', () => {
    const run = preflight({ CHROMIUM_PATH: EXECUTABLE, FIREFOX_PATH: EXECUTABLE }, 'chromium', 'firefox-esr');
    expect(run).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('rejects a requirement it does not know rather than skipping it', () => {
    const run = preflight({}, 'chromium', 'no-such-requirement');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("unknown requirement 'no-such-requirement'");
  });
});
