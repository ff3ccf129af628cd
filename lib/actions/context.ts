import type { ProviderConfig, ResolvedConfig } from '../config/resolve';
import type { SaleschatClient } from '../provider/client';
import type { MappingStore } from '../store/mappings';
import type { LoginLinkStore } from './login-links';

export type ProviderApi = Pick<SaleschatClient, 'createContact' | 'updateContact' | 'updateStage' | 'assign' | 'magicLink' | 'lookup'>;

/** What an action needs from the world; the background wires the real parts, unit tests fakes. */
export interface ActionContext {
  config: ResolvedConfig;
  /**
   * Called only after the action has checked the required keys, so a missing token or org can never
   * produce a provider request.
   */
  createClient(provider: ProviderConfig): ProviderApi;
  store: MappingStore;
  /** Login links kept between clicks, only when magicLinkReuse allows it (lib/actions/login.ts). */
  loginLinks: LoginLinkStore;
  /** Opens a URL in the single dashboard tab (reusing an open one). */
  showInDashboard(url: string, dashboardUrl: string): Promise<'reused' | 'opened'>;
  now(): number;
}
