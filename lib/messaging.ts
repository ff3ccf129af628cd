import { defineExtensionMessaging } from '@webext-core/messaging';
import type {
  ActionOutcome,
  BuilderDraftMessage,
  BuilderOutcome,
  BuilderSaveRuleRequest,
  BuilderState,
  CardState,
  ChatroomRequest,
  ChatroomView,
  DashboardSetup,
  FindInCrmRequest,
  Notice,
  ConnectionReport,
  DetectionStatus,
  Lead,
  LoginRequest,
  MappingExport,
  MappingImportRequest,
  MappingImportResult,
  PageSetup,
  RuleHostsView,
  TabAccess,
  SaveResult,
  SettingsChange,
  SettingsView,
  TeamActionResult,
  TeamStatus,
} from './messages';

/**
 * The typed channel between content scripts, extension pages and the background worker. Types only from
 * ./messages: the content script imports this module, and the schemas (zod) stay out of its bundle.
 * Who may send each message, and the schema its data must pass, is one table: lib/background/routes.ts.
 */
export interface ProtocolMap {
  /** Content script → background: open (creating if needed) the chatroom with this lead. */
  openChat(lead: Lead): ActionOutcome;
  /** Content script → background: start the worker (and warm what Chat loads) before a likely click. No provider request. */
  wakeUp(): void;
  /** Content script or extension page → background: open the provider dashboard logged in. */
  login(request?: LoginRequest): ActionOutcome;
  /** Options page → background: check provider URL, token, org and agent. */
  testConnection(): ConnectionReport;
  /** Content script → background: the detection settings (profiles, rules, default country). */
  getPageSetup(): PageSetup;
  /** Popup → the content script of a tab (tabs.sendMessage): what it detected on the page. */
  getDetectionStatus(): DetectionStatus;
  /** Options page → background: the effective settings, token masked. */
  getSettings(): SettingsView;
  /** Options page → background: the admin-rule hosts and their access (re-syncs the registration). */
  getRuleHosts(): RuleHostsView;
  /** Popup → background: why no content script answers in this tab, and what to do. */
  getTabAccess(request: { tabId: number }): TabAccess;
  /** Options page → background: validate and store the agent's own values. */
  saveSettings(change: SettingsChange): SaveResult;
  /** Options page → background: this org's contact mappings as a JSON file's text. */
  exportMappings(): MappingExport;
  /** Options page → background: merge an exported file into this browser's mappings (conflicts reported). */
  importMappings(request: MappingImportRequest): MappingImportResult;
  /** Popup or options page → background: team mode's sign-in state and the gateway's health. */
  getTeamStatus(): TeamStatus;
  /** Popup or options page → background: open the team sign-in tab (the background collects the result). */
  teamSignIn(): TeamActionResult;
  /** Popup or options page → background: forget this browser's team sign-in (revoked at the IdP). */
  teamSignOut(): TeamActionResult;
  /** Dashboard content script → background: the rule that reads chatroom pages, and the card's state. */
  getDashboardSetup(request: { pageUrl?: string }): DashboardSetup;
  /** Dashboard content script → background: the agent opened this chatroom: its CRM card (and the screen pop). */
  chatroomOpened(request: ChatroomRequest): ChatroomView;
  /** Dashboard content script → background: "Open in CRM", the CRM page the chat was opened from. */
  openCrmRecord(request: ChatroomRequest): ActionOutcome;
  /** Dashboard content script → background: "Find in CRM" with a lookup URL template. */
  findInCrm(request: FindInCrmRequest): ActionOutcome;
  /** Dashboard content script → background: remember whether the agent collapsed the card. */
  saveCardState(request: CardState): CardState;
  /** Background → a CRM tab's content script (tabs.sendMessage): how the CRM write-back of its Chat went. */
  crmActionOutcome(notice: Notice): void;
  /** Popup → background: open the rule builder on this tab ("Teach this page"). */
  builderStart(request: { tabId: number }): BuilderOutcome;
  /** Rule builder → background: its draft after a reload, the rules it can start from. */
  builderState(): BuilderState;
  /** Rule builder → background: keep the draft while the tab loads other records. */
  builderSaveDraft(draft: BuilderDraftMessage): void;
  /** Rule builder → background: save the rule in the agent's own settings (replacing the one it edits). */
  builderSaveRule(request: BuilderSaveRuleRequest): BuilderOutcome;
  /** Rule builder → background: the admin closed the builder; forget its draft. */
  builderEnd(): void;
}

export type MessageName = keyof ProtocolMap;

export const messaging = defineExtensionMessaging<ProtocolMap>();
export const { sendMessage, onMessage } = messaging;

export type * from './messages';

/**
 * Who may send each message. One table for every receiver: the background (lib/background/routes.ts) and
 * the content script (getDetectionStatus) check a sender against it before anything else runs.
 * - `extension-page`: a page of this extension (options, popup).
 * - `content-script`: this extension's content script in a tab's top frame, on any page.
 * - `crm-page`: the same, on a page that an active CRM profile or admin rule claims, judged by what the tab
 *   shows now (not the address its document was loaded with: CRMs change it without reloading).
 * - `dashboard-page`: the same, on a page of the Saleschat dashboard this browser is configured for.
 * - `builder-tab`: the rule builder's script, in the top frame of a tab where the extension's popup opened it
 *   ("Teach this page"); any other tab's scripts cannot save rules.
 */
export type SenderKind = 'extension-page' | 'content-script' | 'crm-page' | 'dashboard-page' | 'builder-tab';

export const SENDERS: { readonly [K in MessageName]: readonly SenderKind[] } = {
  openChat: ['crm-page'],
  wakeUp: ['crm-page'],
  login: ['crm-page', 'extension-page'],
  testConnection: ['extension-page'],
  getPageSetup: ['content-script'],
  getDetectionStatus: ['extension-page'],
  getSettings: ['extension-page'],
  getRuleHosts: ['extension-page'],
  getTabAccess: ['extension-page'],
  saveSettings: ['extension-page'],
  exportMappings: ['extension-page'],
  importMappings: ['extension-page'],
  getTeamStatus: ['extension-page'],
  teamSignIn: ['extension-page'],
  teamSignOut: ['extension-page'],
  getDashboardSetup: ['dashboard-page'],
  chatroomOpened: ['dashboard-page'],
  openCrmRecord: ['dashboard-page'],
  findInCrm: ['dashboard-page'],
  saveCardState: ['dashboard-page'],
  crmActionOutcome: ['extension-page'],
  builderStart: ['extension-page'],
  builderState: ['builder-tab'],
  builderSaveDraft: ['builder-tab'],
  builderSaveRule: ['builder-tab'],
  builderEnd: ['builder-tab'],
};

/** The parts of runtime.MessageSender the checks read (the same in Chrome and Firefox). */
export interface MessageSender {
  id?: string;
  url?: string;
  frameId?: number;
  tab?: { id?: number; url?: string };
}

/**
 * A page of this extension (popup, options; also when opened in a tab): our id and a document under our own
 * origin. A content script's sender URL is the web page's, never ours.
 */
export function isExtensionPage(sender: MessageSender, runtimeId: string, extensionOrigin: string): boolean {
  return sender.id === runtimeId && Boolean(sender.url?.startsWith(extensionOrigin));
}
