/** Reported after every LiveChat HTTP call (metrics hook); never carries tokens or bodies. */
export interface LiveChatCallInfo {
  api: 'livechat';
  /** Logical method, e.g. `send_event`, `refresh_token`. */
  method: string;
  /** HTTP status, or `'network'` when no response arrived (connection error, timeout). */
  status: number | 'network';
  durationMs: number;
}

export interface LiveChatClientOptions {
  /** Web API host, e.g. `https://api.livechatinc.com`. */
  apiUrl: string;
  /** Accounts (OAuth) host, e.g. `https://accounts.livechat.com`. */
  accountsUrl: string;
  /** Web API version, e.g. `3.6` (a leading `v` is tolerated). */
  apiVersion: string;
  clientId: string;
  clientSecret: string;
  /** Per-call timeout, covering connect, response and body. */
  timeoutMs: number;
  onCall?: (info: LiveChatCallInfo) => void;
  /**
   * Send `X-Region: <token prefix>` on Web API calls, as the official JS and Go SDKs do. The docs
   * dropped the requirement in 2025 (UNCONFIRMED whether still needed); harmless either way.
   * Default true.
   */
  sendRegionHeader?: boolean;
}

/** Nest injection token for {@link LiveChatClientOptions}. */
export const LIVECHAT_CLIENT_OPTIONS = Symbol('LIVECHAT_CLIENT_OPTIONS');

export interface ResolvedLiveChatOptions {
  apiUrl: string;
  accountsUrl: string;
  apiVersion: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  onCall?: (info: LiveChatCallInfo) => void;
  sendRegionHeader: boolean;
}

/** Fails fast on a bad config (names only, never values: the secret is in here). */
export function resolveLiveChatOptions(options: LiveChatClientOptions): ResolvedLiveChatOptions {
  const missing = (
    ['apiUrl', 'accountsUrl', 'apiVersion', 'clientId', 'clientSecret'] as const
  ).filter((key) => typeof options[key] !== 'string' || options[key].trim() === '');
  if (missing.length > 0) {
    throw new Error(`LiveChat client options missing: ${missing.join(', ')}`);
  }
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new Error('LiveChat client option timeoutMs must be a positive number');
  }
  return {
    apiUrl: options.apiUrl.replace(/\/+$/, ''),
    accountsUrl: options.accountsUrl.replace(/\/+$/, ''),
    apiVersion: options.apiVersion.trim().replace(/^v/i, ''),
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    timeoutMs: options.timeoutMs,
    onCall: options.onCall,
    sendRegionHeader: options.sendRegionHeader ?? true,
  };
}
