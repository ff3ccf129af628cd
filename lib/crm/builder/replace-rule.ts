import { ruleId } from '../rules/engine';
import type { CrmRule } from '../rules/schema';

/**
 * A rule list with `rule` in it: in place of the rule it edits (`replaces`, an id or name) or of one with its
 * id, else added at the end; further matches go, so saving or exporting twice never leaves two versions. The
 * same for the agent's own rules (Save) and the policy's (Export).
 */
export function withRuleReplaced(rules: readonly unknown[], rule: CrmRule, replaces?: string): { rules: unknown[]; replaced: boolean } {
  const id = ruleId(rule, 'rule');
  const same = (candidate: unknown) => {
    const other = (typeof candidate === 'object' && candidate !== null ? candidate : {}) as { id?: unknown; name?: unknown };
    return ruleId(other, 'rule') === id || (replaces !== undefined && (other.id === replaces || other.name === replaces));
  };
  const at = rules.findIndex(same);
  if (at < 0) return { rules: [...rules, rule], replaced: false };
  return { rules: rules.flatMap((other, index) => (index === at ? [rule] : same(other) ? [] : [other])), replaced: true };
}
