import { describe, expect, it } from 'vitest';
import { BUILT_IN_PROFILE_IDS } from '../../../lib/crm/profiles/ids';
import { BUILT_IN_RULES } from '../../../lib/crm/profiles/index';

describe('BUILT_IN_PROFILE_IDS', () => {
  it('lists exactly the built-in profiles (what crmProfiles may name)', () => {
    expect([...BUILT_IN_PROFILE_IDS].sort()).toEqual(BUILT_IN_RULES.map((rule) => rule.id).sort());
  });
});
