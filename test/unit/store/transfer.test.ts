import { describe, expect, it } from 'vitest';
import { exportMappings, IMPORT_NOT_ALLOWED, importMappings } from '../../../lib/actions/transfer';
import { MappingExportSchema, MappingImportResultSchema } from '../../../lib/messages';
import { BridgeDatabase } from '../../../lib/store/db';
import { MappingStore } from '../../../lib/store/mappings';
import { MAPPINGS_FORMAT, type MappingDocument } from '../../../lib/store/transfer';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const newStore = () => new MappingStore(new BridgeDatabase(`transfer-${Math.random()}`));
const ctx = (store: MappingStore, orgId: string | undefined = 'org_1') => ({ orgId, store, now: () => NOW, importAllowed: true });

/** A browser that has worked a while: two leads, chatrooms, assignees, another org. */
async function usedBrowser(): Promise<MappingStore> {
  const store = newStore();
  await store.saveContact('org_1', 'L-1', 'c_1', 1);
  await store.saveContact('org_1', 'L-2', 'c_2', 2);
  await store.saveAssignment('org_1', 'c_1', 'u_alice', 'cr_1', 3);
  await store.saveAssignment('org_1', 'c_2', 'u_bob', undefined, 4);
  await store.saveContact('org_2', 'L-1', 'c_other_org', 5);
  return store;
}

async function exported(store: MappingStore): Promise<string> {
  const result = await exportMappings(ctx(store));
  if (!result.ok) throw new Error(result.message);
  return result.json;
}

describe('export', () => {
  it('is a versioned document of this org’s contacts, chatrooms and assignees, and nothing else', async () => {
    const result = await exportMappings(ctx(await usedBrowser()));
    expect(MappingExportSchema.safeParse(result).success).toBe(true);
    if (!result.ok) throw new Error(result.message);
    expect(result.fileName).toBe('crm-chat-bridge-mappings-org_1-2026-11-22.json');
    expect(result.message).toBe('Exported 2 contacts, 1 chatroom and 2 assignments of organisation org_1.');
    expect(JSON.parse(result.json)).toEqual({
      format: MAPPINGS_FORMAT,
      version: 2,
      orgId: 'org_1',
      exportedAt: '2026-11-22T10:00:00.000Z',
      contacts: [
        { crmId: 'L-1', providerContactId: 'c_1', createdAt: 1 },
        { crmId: 'L-2', providerContactId: 'c_2', createdAt: 2 },
      ],
      chatrooms: [{ providerContactId: 'c_1', chatroomId: 'cr_1', updatedAt: 3 }],
      assignments: [
        { providerContactId: 'c_1', providerUserId: 'u_alice', assignedAt: 3 },
        { providerContactId: 'c_2', providerUserId: 'u_bob', assignedAt: 4 },
      ],
    });
  });

  it('never contains anything of the users table or another org', async () => {
    const json = await exported(await usedBrowser());
    expect(json).not.toContain('magic');
    expect(json).not.toContain('c_other_org');
  });

  it('needs an org', async () => {
    expect(await exportMappings({ orgId: undefined, store: newStore(), now: () => NOW })).toEqual({
      ok: false,
      message: 'Set the organisation id (orgId) first: mappings are kept per Saleschat organisation.',
    });
  });
});

describe('import of identities (format 2) and of files made before them (format 1)', () => {
  it('format 2 carries the provider crm_id of adopted rows and the legacy mark, and brings them back', async () => {
    const from = newStore();
    await from.saveCreatedContact({ orgId: 'org_1', crmId: 'pipedrive:acme.pipedrive.com:1', step: 'created', providerContactId: 'c_1', attempts: 1, startedAt: 1, updatedAt: 1, providerCrmId: '1' });
    const json = await exported(from);
    expect(JSON.parse(json).contacts).toEqual([{ crmId: 'pipedrive:acme.pipedrive.com:1', providerContactId: 'c_1', createdAt: 1, providerCrmId: '1' }]);
    const to = newStore();
    expect(await importMappings(json, ctx(to))).toMatchObject({ ok: true });
    expect(await to.findContact('org_1', 'pipedrive:acme.pipedrive.com:1')).toEqual({ orgId: 'org_1', crmId: 'pipedrive:acme.pipedrive.com:1', providerContactId: 'c_1', createdAt: 1, providerCrmId: '1', imported: true });
  });

  it('a format-1 file (bare record ids) is imported as legacy rows, adopted by the first lead with that record id', async () => {
    const json = JSON.stringify({
      format: MAPPINGS_FORMAT,
      version: 1,
      orgId: 'org_1',
      exportedAt: '',
      contacts: [{ crmId: '1234', providerContactId: 'c_9', createdAt: 1 }],
      chatrooms: [],
      assignments: [],
    });
    const store = newStore();
    expect(await importMappings(json, ctx(store))).toMatchObject({ ok: true });
    expect(await store.findContact('org_1', '1234')).toEqual({ orgId: 'org_1', crmId: '1234', providerContactId: 'c_9', createdAt: 1, providerCrmId: '1234', legacy: true, imported: true });
    expect((await store.findLeadState('org_1', 'hubspot:99:1234', '1234')).contact).toMatchObject({ providerContactId: 'c_9', providerCrmId: '1234' });
  });
});

describe('import', () => {
  it('round trip: a fresh browser gets every contact and chatroom (marked imported), never the assignments; importing again changes nothing', async () => {
    const json = await exported(await usedBrowser());
    const fresh = newStore();
    const first = await importMappings(json, ctx(fresh));
    expect(MappingImportResultSchema.safeParse(first).success).toBe(true);
    expect(first).toEqual({
      ok: true,
      message:
        'Imported. Contacts: 2 added, 0 unchanged, 0 conflicting; chatrooms: 1 added, 0 unchanged, 0 conflicting. 2 assignments in the file not imported: who holds a chat is learned from Saleschat, never from a file. Each imported contact is checked with Saleschat at its first Chat.',
      contacts: { added: 2, unchanged: 0, conflicting: 0 },
      chatrooms: { added: 1, unchanged: 0, conflicting: 0 },
      assignmentsSkipped: 2,
      conflicts: [],
    });
    expect(await fresh.findContact('org_1', 'L-2')).toEqual({ orgId: 'org_1', crmId: 'L-2', providerContactId: 'c_2', createdAt: 2, imported: true });
    expect(await fresh.findChatroomId('org_1', 'c_1')).toBe('cr_1');
    expect(await fresh.findAssignee('org_1', 'c_1')).toBeUndefined();
    expect(await fresh.findAssignee('org_1', 'c_2')).toBeUndefined();
    expect(JSON.parse(await exported(fresh))).toMatchObject({ contacts: JSON.parse(json).contacts, chatrooms: JSON.parse(json).chatrooms, assignments: [] });

    const again = await importMappings(json, ctx(fresh));
    expect(again).toMatchObject({
      contacts: { added: 0, unchanged: 2, conflicting: 0 },
      chatrooms: { added: 0, unchanged: 1, conflicting: 0 },
      assignmentsSkipped: 2,
    });
  });

  it('is refused, changing nothing, unless allowMappingImport allows it', async () => {
    const json = await exported(await usedBrowser());
    const store = newStore();
    expect(await importMappings(json, { ...ctx(store), importAllowed: false })).toEqual({ ok: false, message: IMPORT_NOT_ALLOWED });
    expect(await importMappings(json, { orgId: 'org_1', store, now: () => NOW })).toEqual({ ok: false, message: IMPORT_NOT_ALLOWED });
    expect(await store.findContact('org_1', 'L-1')).toBeUndefined();
  });

  it('an assignment naming the importing agent changes nothing (it would relax allowReassign)', async () => {
    const here = newStore();
    await here.saveContact('org_1', 'L-1', 'c_1', 1);
    await here.saveAssignment('org_1', 'c_1', 'u_bob', 'cr_1', 1);
    const document = { format: MAPPINGS_FORMAT, version: 2, orgId: 'org_1', exportedAt: '', contacts: [], chatrooms: [], assignments: [{ providerContactId: 'c_1', providerUserId: 'u_alice', assignedAt: 9 }] };
    expect(await importMappings(JSON.stringify(document), ctx(here))).toMatchObject({ ok: true, assignmentsSkipped: 1 });
    expect(await here.findAssignee('org_1', 'c_1')).toBe('u_bob');
  });

  it('merges, and never silently replaces a different mapping: conflicts keep this browser’s value and are listed', async () => {
    const here = newStore();
    await here.saveContact('org_1', 'L-1', 'c_mine', 1); // same lead, another contact
    await here.saveContact('org_1', 'L-9', 'c_2', 1); // the file's contact for L-2 is L-9 here
    await here.saveAssignment('org_1', 'c_1', 'u_carol', 'cr_other', 1);
    const result = await importMappings(await exported(await usedBrowser()), ctx(here));
    expect(result).toMatchObject({
      ok: true,
      contacts: { added: 0, unchanged: 0, conflicting: 2 },
      chatrooms: { added: 0, unchanged: 0, conflicting: 1 },
      assignmentsSkipped: 2,
      conflicts: [
        { table: 'contacts', key: 'L-1', here: 'c_mine', inFile: 'c_1' },
        { table: 'contacts', key: 'L-2', here: 'c_2 is CRM id L-9', inFile: 'c_2' },
        { table: 'chatrooms', key: 'c_1', here: 'cr_other', inFile: 'cr_1' },
      ],
    });
    expect(result.message).toContain('Conflicts keep this browser’s value');
    expect(await here.findContact('org_1', 'L-1')).toMatchObject({ providerContactId: 'c_mine' });
    expect(await here.findContact('org_1', 'L-2')).toBeUndefined();
    expect(await here.findChatroomId('org_1', 'c_1')).toBe('cr_other');
    expect(await here.findAssignee('org_1', 'c_1')).toBe('u_carol');
  });

  it('a file that maps one lead twice: the first row wins, the second is a conflict', async () => {
    const document: MappingDocument = {
      format: MAPPINGS_FORMAT,
      version: 1,
      orgId: 'org_1',
      exportedAt: '2026-11-22T10:00:00.000Z',
      contacts: [
        { crmId: 'L-1', providerContactId: 'c_1', createdAt: 1 },
        { crmId: 'L-1', providerContactId: 'c_2', createdAt: 2 },
      ],
      chatrooms: [],
      assignments: [],
    };
    const store = newStore();
    const result = await importMappings(JSON.stringify(document), ctx(store));
    expect(result).toMatchObject({ contacts: { added: 1, unchanged: 0, conflicting: 1 } });
    expect(await store.findContact('org_1', 'L-1')).toMatchObject({ providerContactId: 'c_1' });
  });

  it.each([
    ['not JSON', '{"format": ', /^Not imported: the file is not JSON \(/],
    ['another kind of JSON', '{"agents": []}', /^Not imported: the file is not a CRM Chat Bridge mappings export \(format: must be "crm-chat-bridge\/mappings"\)\.$/],
    [
      'a row with an empty id',
      JSON.stringify({ format: MAPPINGS_FORMAT, version: 1, orgId: 'org_1', exportedAt: '', contacts: [{ crmId: '', providerContactId: 'c', createdAt: 1 }], chatrooms: [], assignments: [] }),
      /^Not imported: the file is not a CRM Chat Bridge mappings export \(contacts\.0\.crmId: /,
    ],
    ['a newer format version', JSON.stringify({ format: MAPPINGS_FORMAT, version: 3 }), /^Not imported: the file is format version 3, made by a newer CRM Chat Bridge\. Update the extension first\.$/],
    [
      'another org',
      JSON.stringify({ format: MAPPINGS_FORMAT, version: 1, orgId: 'org_2', exportedAt: '', contacts: [], chatrooms: [], assignments: [] }),
      /^Not imported: the file holds the mappings of organisation org_2, but this browser is set up for org_1\.$/,
    ],
  ])('refuses %s with a reason, changing nothing', async (_label, json, message) => {
    const store = newStore();
    const result = await importMappings(json, ctx(store));
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(message);
    expect(await exportMappings(ctx(store))).toMatchObject({ message: 'Exported 0 contacts, 0 chatrooms and 0 assignments of organisation org_1.' });
  });

  it('a storage failure is told as such', async () => {
    const db = new BridgeDatabase(`transfer-closed-${Math.random()}`);
    const store = new MappingStore(db);
    db.close({ disableAutoOpen: true });
    const result = await importMappings(await exported(await usedBrowser()), ctx(store));
    expect(result).toEqual({
      ok: false,
      message: "Import failed: The browser's storage for CRM Chat Bridge failed (IndexedDB: DatabaseClosedError). Try again; if it keeps failing, restart the browser.",
    });
  });
});
