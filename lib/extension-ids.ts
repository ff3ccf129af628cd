/**
 * The ids admins address in policy. Chrome's follows from the public key in wxt.config.ts (first 32 hex
 * characters of its SHA-256, mapped 0-f → a-p); Firefox's is declared in the manifest.
 */
export const CHROME_EXTENSION_ID = 'ooieimhjgcmfjkegddipaodhfncicipk';
export const GECKO_ID = 'crm-chat-bridge@crm-chat-bridge.dev';
