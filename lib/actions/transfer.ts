import type { MappingExport, MappingImportResult } from '../messaging';
import { storageFailure } from '../store/errors';
import type { MappingStore } from '../store/mappings';
import { type ImportReport, MAPPINGS_FORMAT, MAPPINGS_VERSION, MappingDocumentSchema, type TransferCounts } from '../store/transfer';

/**
 * Options page → Export / Import mappings, for the org this browser is configured for. The document
 * (lib/store/transfer.ts) holds ids only: never the token, never a magic link.
 */

export interface TransferContext {
  orgId: string | undefined;
  store: MappingStore;
  now(): number;
  /** allowMappingImport: a file decides which Saleschat contact a lead's Chat goes to, so it is the admin's call. */
  importAllowed?: boolean;
}

const NO_ORG = 'Set the organisation id (orgId) first: mappings are kept per Saleschat organisation.';

export async function exportMappings(ctx: TransferContext): Promise<MappingExport> {
  if (!ctx.orgId) return { ok: false, message: NO_ORG };
  try {
    const document = await ctx.store.exportMappings(ctx.orgId, ctx.now());
    const day = document.exportedAt.slice(0, 10);
    return {
      ok: true,
      fileName: `crm-chat-bridge-mappings-${ctx.orgId.replace(/[^\w.-]+/g, '_')}-${day}.json`,
      json: `${JSON.stringify(document, null, 2)}\n`,
      message: `Exported ${plural(document.contacts.length, 'contact')}, ${plural(document.chatrooms.length, 'chatroom')} and ${plural(document.assignments.length, 'assignment')} of organisation ${ctx.orgId}.`,
    };
  } catch (error) {
    return { ok: false, message: storageMessage(error, 'Export failed') };
  }
}

export const IMPORT_NOT_ALLOWED =
  'Not imported: importing mappings is turned off (allowMappingImport). A mappings file decides which Saleschat contact each lead’s Chat goes to, so your administrator allows it.';

export async function importMappings(json: string, ctx: TransferContext): Promise<MappingImportResult> {
  if (ctx.importAllowed !== true) return { ok: false, message: IMPORT_NOT_ALLOWED };
  if (!ctx.orgId) return { ok: false, message: NO_ORG };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    return { ok: false, message: `Not imported: the file is not JSON (${(error as Error).message}).` };
  }
  const format = (raw as { format?: unknown } | null)?.format;
  const version = (raw as { version?: unknown } | null)?.version;
  if (format === MAPPINGS_FORMAT && typeof version === 'number' && version > MAPPINGS_VERSION) {
    return { ok: false, message: `Not imported: the file is format version ${version}, made by a newer CRM Chat Bridge. Update the extension first.` };
  }
  const parsed = MappingDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? ` (${issue.path.map(String).join('.') || 'document'}: ${issue.message})` : '';
    return { ok: false, message: `Not imported: the file is not a CRM Chat Bridge mappings export${where}.` };
  }
  if (parsed.data.orgId !== ctx.orgId) {
    return {
      ok: false,
      message: `Not imported: the file holds the mappings of organisation ${parsed.data.orgId}, but this browser is set up for ${ctx.orgId}.`,
    };
  }
  try {
    const report = await ctx.store.importMappings(ctx.orgId, parsed.data);
    return { ok: true, message: summary(report), ...report };
  } catch (error) {
    return { ok: false, message: storageMessage(error, 'Import failed') };
  }
}

function summary(report: ImportReport): string {
  const part = (label: string, counts: TransferCounts) =>
    `${label}: ${counts.added} added, ${counts.unchanged} unchanged, ${counts.conflicting} conflicting`;
  const lines = [`Imported. ${part('Contacts', report.contacts)}; ${part('chatrooms', report.chatrooms)}.`];
  if (report.assignmentsSkipped > 0) {
    lines.push(`${plural(report.assignmentsSkipped, 'assignment')} in the file not imported: who holds a chat is learned from Saleschat, never from a file.`);
  }
  if (report.contacts.added > 0) lines.push('Each imported contact is checked with Saleschat at its first Chat.');
  if (report.conflicts.length > 0) {
    lines.push('Conflicts keep this browser’s value; check them in Saleschat.');
  }
  return lines.join(' ');
}

function storageMessage(error: unknown, what: string): string {
  const storage = storageFailure(error);
  return storage ? `${what}: ${storage.message}` : `${what}: ${error instanceof Error ? error.message : String(error)}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
