import type { ProviderConfig, ResolvedConfig } from '../config/resolve';
import type { SaleschatClient } from '../provider/client';
import type { MappingStore } from '../store/mappings';

export type ProviderApi = Pick<SaleschatClient, 'createContact' | 'assign' | 'magicLink' | 'lookup'>;

/** What an action needs from the world; the background wires the real parts, unit tests fakes. */
export interface ActionContext {
  config: ResolvedConfig;
  /**
   * Called only after the action has checked the required keys, so a missing token or org can never
   * produce a provider request.
   */
  createClient(provider: ProviderConfig): ProviderApi;
  store: MappingStore;
  /** Opens a URL in the single dashboard tab (reusing an open one). */
  showInDashboard(url: string, dashboardUrl: string): Promise<'reused' | 'opened'>;
  now(): number;
}
