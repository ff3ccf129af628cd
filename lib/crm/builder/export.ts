import { exportPolicy, type PolicyFormat } from '../../config/policy-export';
import { toChromeListForm } from '../rules/list-form';
import type { CrmRule } from '../rules/schema';
import type { BuilderDraft } from './draft';
import { withRuleReplaced } from './replace-rule';

/**
 * The builder's export: the whole `crmRules` list the policy should hold — the rules it sets now, with the
 * draft's rule replacing the one it edits (or one with its id), else added — as the fragment for `format`.
 * Chrome / Edge formats get every rule in the list forms their policy schema carries (list-form.ts); what
 * cannot be carried is said, never silently dropped as Chrome would.
 */
export function builderExport(policyRules: readonly unknown[], draft: BuilderDraft, format: PolicyFormat): { text: string; problems: string[] } {
  const { rules } = withRuleReplaced(policyRules, draft.rule, draft.editing);
  if (format === 'firefox-json') return { text: exportPolicy({ crmRules: rules }, format), problems: [] };
  const listed = rules.map((rule) => toChromeListForm(rule as CrmRule));
  return { text: exportPolicy({ crmRules: listed.map((entry) => entry.rule) }, format), problems: listed.flatMap((entry) => entry.problems) };
}
