import { describe, expect, it } from 'vitest';
import { openChat } from '../../../lib/actions/chat';
import type { Lead } from '../../../lib/messaging';
import { BASE_OPTIONS, makeContext } from '../helpers';

/**
 * allowReassign false on the built-in CRMs: the lead owner the CRM page shows (ownerId, ownerEmail, ownerName;
 * see lib/crm/profiles) is matched with the `agents` directory, and a lead another person owns is refused
 * before any provider request. Salesforce ids as the Salesforce profile reads them (005…, 15 or 18 characters).
 */

const ALICE_ID_15 = '0055e000003AlcE';
const ALICE_ID_18 = '0055e000003AlcEAAS';
const BOB_ID_15 = '0055e000003BobX';
const BOB_ID_18 = '0055e000003BobXAAS';

const AGENTS = [
  { email: 'alice@example.com', providerUserId: 'u_alice', crmUserId: ALICE_ID_15, name: 'Alice Agent' },
  { email: 'bob@example.com', providerUserId: 'u_bob', crmUserId: BOB_ID_18, name: 'Bob Agent' },
  { email: 'sam.one@example.com', providerUserId: 'u_sam1', name: 'Sam Smith' },
  { email: 'sam.two@example.com', providerUserId: 'u_sam2', name: 'Sam  Smith' },
];

const OPTIONS = { ...BASE_OPTIONS, agents: AGENTS, allowReassign: false };

const lead = (owner: Pick<Lead, 'ownerId' | 'ownerEmail' | 'ownerName'> = {}, crmId = 'salesforce:acme.lightning.force.com:00Q5e00000AbCdEFGH'): Lead => ({
  profileId: 'salesforce',
  crmId,
  firstName: 'Jon',
  lastName: 'Amos',
  phone: '(415) 555-0100',
  ...owner,
});

const BOBS = "This lead's chat belongs to Bob Agent (bob@example.com). Your administrator does not allow taking over another agent's chat; ask them or your manager to reassign it.";

async function chat(owner: Parameters<typeof lead>[0], options: Record<string, unknown> = OPTIONS) {
  const ctx = makeContext(options);
  const outcome = await openChat(lead(owner), ctx);
  return { outcome, calls: ctx.provider.calls };
}

/** A refusal: the message, no provider request of any kind. */
async function refused(owner: Parameters<typeof lead>[0], options: Record<string, unknown> = OPTIONS): Promise<string> {
  const { outcome, calls } = await chat(owner, options);
  expect(outcome).toMatchObject({ ok: false, retryable: false });
  expect(calls).toEqual([]);
  return outcome.message;
}

/** The Chat went ahead: created and assigned to me (Alice). */
async function proceeds(owner: Parameters<typeof lead>[0], options: Record<string, unknown> = OPTIONS): Promise<void> {
  const { outcome, calls } = await chat(owner, options);
  expect(outcome).toMatchObject({ ok: true });
  expect(calls.map((call) => call.method)).toEqual(['createContact', 'assign']);
  expect(calls[1]?.args).toEqual(['c_1', 'u_alice']);
}

describe('allowReassign false: the owner by CRM user id', () => {
  it("another agent's id, 15 characters on the page and 18 in the directory: refused, naming the agent", async () => {
    expect(await refused({ ownerId: BOB_ID_15 })).toBe(BOBS);
    expect(await refused({ ownerId: BOB_ID_18 })).toBe(BOBS);
  });

  it('my own id, 18 characters on the page and 15 in the directory: the Chat goes ahead', async () => {
    await proceeds({ ownerId: ALICE_ID_18, ownerName: 'Alice Agent' });
    await proceeds({ ownerId: ALICE_ID_15 });
  });

  it.each([
    ['15 characters', '0055e000003ALCE'],
    ['18 characters', '0055e000003alceAAS'],
  ])('ids are case-sensitive (%s): my id in other letter case is someone else, even with my name beside it', async (_length, ownerId) => {
    const message = await refused({ ownerId, ownerName: 'Alice Agent' });
    expect(message).toBe(
      `This lead's chat belongs to "Alice Agent", its owner in the CRM. Your administrator does not allow taking over another agent's chat; ask them or your manager to reassign it.`,
    );
  });

  it('the id decides over the name shown beside it', async () => {
    expect(await refused({ ownerId: BOB_ID_18, ownerName: 'Alice Agent' })).toBe(BOBS);
    expect(await refused({ ownerId: BOB_ID_18, ownerName: 'Sam Smith' })).toBe(BOBS);
  });

  it('an id no directory entry has: the e-mail or name still finds an entry without a crmUserId', async () => {
    expect(await refused({ ownerId: '0055e000009SamAAAA', ownerName: 'sam smith', ownerEmail: 'sam.one@example.com' })).toContain(
      'belongs to Sam Smith (sam.one@example.com).',
    );
  });
});

describe('allowReassign false: the owner by e-mail and by name', () => {
  it('e-mail, in any case: another agent is refused, mine goes ahead', async () => {
    expect(await refused({ ownerEmail: ' BOB@Example.COM ' })).toBe(BOBS);
    await proceeds({ ownerEmail: 'Alice@Example.com' });
  });

  it('name, case and white space aside: another agent is refused, mine goes ahead', async () => {
    expect(await refused({ ownerName: '  bob \n AGENT ' })).toBe(BOBS);
    await proceeds({ ownerName: 'ALICE   agent' });
  });

  it('a name two other agents share: someone else owns it either way, refused naming the owner as shown', async () => {
    expect(await refused({ ownerName: 'Sam Smith' })).toContain(`belongs to "Sam Smith", its owner in the CRM.`);
  });

  it('a name I share with another agent: unknown, so reassignWhenOwnerUnknown decides', async () => {
    const asSam = { ...OPTIONS, agentEmail: 'sam.one@example.com' };
    const { outcome } = await chat({ ownerName: 'sam smith' }, asSam);
    expect(outcome.ok).toBe(true);
    const message = await refused({ ownerName: 'sam smith' }, { ...asSam, reassignWhenOwnerUnknown: 'refuse' });
    expect(message).toContain(`The CRM shows this lead's owner as "sam smith", and more than one agent in the agents directory matches it.`);
    expect(message).toContain('reassignWhenOwnerUnknown: refuse');
  });
});

describe('allowReassign false: an owner the directory does not know, or none', () => {
  it('an owner shown but in nobody’s entry is another person: refused, naming the owner as the CRM shows it', async () => {
    expect(await refused({ ownerName: 'Carol Other' })).toBe(
      `This lead's chat belongs to "Carol Other", its owner in the CRM. Your administrator does not allow taking over another agent's chat; ask them or your manager to reassign it.`,
    );
    expect(await refused({ ownerEmail: 'carol@example.com' })).toContain('belongs to "carol@example.com", its owner in the CRM.');
    expect(await refused({ ownerId: '0055e000003CarL' })).toContain('belongs to CRM user 0055e000003CarL, its owner in the CRM.');
  });

  it("no owner on the page, reassignWhenOwnerUnknown 'allow' (the default): the Chat goes ahead", async () => {
    await proceeds({});
    await proceeds({ ownerName: '  ' }, { ...OPTIONS, reassignWhenOwnerUnknown: 'allow' });
  });

  it("no owner on the page, reassignWhenOwnerUnknown 'refuse': refused, saying the page does not show whose lead it is", async () => {
    expect(await refused({}, { ...OPTIONS, reassignWhenOwnerUnknown: 'refuse' })).toBe(
      "The CRM page does not show whose lead this is. Your administrator does not allow a Chat on a lead whose owner cannot be told (reassignWhenOwnerUnknown: refuse); ask them or your manager to check the lead's owner.",
    );
  });

  it("'refuse' does not touch a lead whose owner is shown and is me", async () => {
    await proceeds({ ownerId: ALICE_ID_18 }, { ...OPTIONS, reassignWhenOwnerUnknown: 'refuse' });
  });
});

describe('allowReassign true (the default)', () => {
  it.each([
    ['another agent', { ownerId: BOB_ID_18, ownerName: 'Bob Agent' }],
    ['an owner nobody knows', { ownerName: 'Carol Other' }],
    ['no owner, with reassignWhenOwnerUnknown refuse', {}],
  ])('never refuses: %s', async (_name, owner) => {
    await proceeds(owner, { ...OPTIONS, allowReassign: true, reassignWhenOwnerUnknown: 'refuse' });
    const { allowReassign: _unset, ...byDefault } = OPTIONS;
    await proceeds(owner, { ...byDefault, reassignWhenOwnerUnknown: 'refuse' });
  });
});
