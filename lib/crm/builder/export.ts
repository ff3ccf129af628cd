import { exportPolicy, type PolicyFormat } from '../../config/policy-export';
import { ruleId } from '../rules/engine';
import { toChromeListForm } from '../rules/list-form';
import type { CrmRule } from '../rules/schema';
import type { BuilderDraft } from './draft';

/**
 * The builder's export: the whole `crmRules` list the policy should hold — the rules it sets now, with the
 * draft's rule replacing the one it edits (or one with its id), else added — as the fragment for `format`.
 * Chrome / Edge formats get every rule in the list forms their policy schema carries (list-form.ts); what
 * cannot be carried is said, never silently dropped as Chrome would.
 */
export function builderExport(policyRules: readonly unknown[], draft: BuilderDraft, format: PolicyFormat): { text: string; problems: string[] } {
  const rules = policyRulesWith(policyRules, draft);
  if (format === 'firefox-json') return { text: exportPolicy({ crmRules: rules }, format), problems: [] };
  const listed = rules.map((rule) => toChromeListForm(rule as CrmRule));
  return { text: exportPolicy({ crmRules: listed.map((entry) => entry.rule) }, format), problems: listed.flatMap((entry) => entry.problems) };
}

export function policyRulesWith(policyRules: readonly unknown[], draft: BuilderDraft): unknown[] {
  const id = ruleId(draft.rule, 'rule');
  const same = (rule: unknown) => {
    const other = rule as { id?: string; name?: string };
    return ruleId(other, 'rule') === id || (draft.editing !== undefined && (other.id === draft.editing || other.name === draft.editing));
  };
  const at = policyRules.findIndex(same);
  return at >= 0 ? policyRules.map((rule, index) => (index === at ? draft.rule : rule)) : [...policyRules, draft.rule];
}
