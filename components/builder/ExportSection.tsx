import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { POLICY_FORMATS, type PolicyFormat } from '../../lib/config/policy-export';
import type { BuilderDraft } from '../../lib/crm/builder/draft';
import { builderExport } from '../../lib/crm/builder/export';
import type { BuilderState } from '../../lib/messaging';

/** "Export for the policy": the fragment for the chosen platform, to copy or download as the file it is. */
export function ExportSection({ draft, state }: { draft: BuilderDraft; state: BuilderState }) {
  const [format, setFormat] = useState<PolicyFormat>('chrome-json');
  const [copied, setCopied] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const { text, problems } = useMemo(() => builderExport(state.policyRules, draft, format), [draft.rule, draft.editing, state.policyRules, format]);
  const about = POLICY_FORMATS.find((entry) => entry.format === format);
  const download = useObjectUrl(text);
  const copy = async () => setCopied(await copyText(text, area.current));
  return (
    <details class="ccb-export">
      <summary>Export for the policy</summary>
      <select
        data-builder="export-format"
        value={format}
        onChange={(event) => {
          setFormat((event.target as HTMLSelectElement).value as PolicyFormat);
          setCopied(null);
        }}
      >
        {POLICY_FORMATS.map((entry) => (
          <option key={entry.format} value={entry.format}>
            {entry.title}
          </option>
        ))}
      </select>
      {about && <small class="ccb-why">{about.where}</small>}
      {problems.map((problem) => (
        <p key={problem} class="error" data-builder="export-problem">
          {problem}
        </p>
      ))}
      <textarea data-builder="export" ref={area} readOnly rows={8} value={text} />
      <div class="ccb-actions">
        <button type="button" data-builder="copy" onClick={copy}>
          Copy
        </button>{' '}
        {download && about && (
          <a href={download} download={about.fileName} data-builder="download">
            Download {about.fileName}
          </a>
        )}
      </div>
      {copied && (
        <small role="status" data-builder="copied">
          {copied}
        </small>
      )}
      <small class="ccb-why">
        {state.policyRules.length > 0 ? `The policy’s ${state.policyRules.length} rule(s) with this one added or replaced.` : 'crmRules with this rule.'}
      </small>
    </details>
  );
}

/** The clipboard API where the page allows it (secure pages); else the selection and the copy command; else say so. */
async function copyText(text: string, area: HTMLTextAreaElement | null): Promise<string> {
  try {
    await navigator.clipboard.writeText(text);
    return 'Copied.';
  } catch {
    area?.select();
    const copied = typeof document.execCommand === 'function' && document.execCommand('copy');
    return copied ? 'Copied.' : 'This page does not let the browser copy: the text is selected, press Ctrl+C (⌘C on a Mac).';
  }
}

/** A download link for the text, released when it changes or the panel goes. */
function useObjectUrl(text: string): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    const made = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [text]);
  return url;
}
