import { useState } from 'preact/hooks';
import type { MappingExport, MappingImportResult } from '../../lib/messaging';

export interface MappingTransferApi {
  exportMappings(): Promise<MappingExport>;
  /** The picked file's text; the background validates it. */
  importMappings(json: string): Promise<MappingImportResult>;
}

/**
 * Export / Import of this org's contact mappings, so an administrator can seed a team's browsers with the
 * contacts others created (a 409 on create then resolves from the mapping instead of asking for help).
 */
export function MappingTransfer({ api, importAllowed }: { api: MappingTransferApi; importAllowed: boolean }) {
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [conflicts, setConflicts] = useState<Extract<MappingImportResult, { ok: true }>['conflicts']>([]);
  const [busy, setBusy] = useState(false);

  const run = async (task: () => Promise<void>) => {
    setBusy(true);
    setConflicts([]);
    try {
      await task();
    } catch (error) {
      setStatus({ ok: false, text: `The extension did not answer: ${String(error)}` });
    } finally {
      setBusy(false);
    }
  };

  const exportFile = () =>
    run(async () => {
      const result = await api.exportMappings();
      if (result.ok) downloadText(result.fileName, result.json);
      setStatus({ ok: result.ok, text: result.message });
    });

  const importFile = (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    run(async () => {
      const result = await api.importMappings(await file.text());
      setStatus({ ok: result.ok, text: result.message });
      if (result.ok) setConflicts(result.conflicts);
    }).finally(() => {
      input.value = ''; // picking the same file again imports it again
    });
  };

  return (
    <section id="mappings">
      <h2>Contact mappings</h2>
      <p>
        Which Saleschat contact each CRM lead is. Export them from a browser that has them and import the file in the others, so
        no browser meets a contact it does not know. The file holds ids only, no token and no login links. Importing never
        replaces a mapping this browser already has, never takes the file's assignments, and each imported contact is checked
        with Saleschat at its first Chat.
      </p>
      {!importAllowed && (
        <p id="import-not-allowed" class="note">
          Importing is turned off: your administrator allows it with <code>allowMappingImport</code>.
        </p>
      )}
      <div class="actions">
        <button type="button" id="export-mappings" onClick={exportFile} disabled={busy}>
          Export mappings
        </button>
        <label class="file-button">
          Import mappings{' '}
          <input type="file" id="import-mappings" accept="application/json,.json" onChange={importFile} disabled={busy || !importAllowed} />
        </label>
      </div>
      {status && (
        <p id="mappings-status" class={status.ok ? 'ok' : 'error'} role="status">
          {status.text}
        </p>
      )}
      {conflicts.length > 0 && (
        <ul id="mappings-conflicts" class="problems">
          {conflicts.map((conflict, index) => (
            <li key={index}>
              {conflict.table} <code>{conflict.key}</code>: here {conflict.here}, in the file {conflict.inFile}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Saves text as a file through a blob URL (no downloads permission needed for an extension page). */
function downloadText(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has started the download synchronously; the URL is not needed after this task.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
