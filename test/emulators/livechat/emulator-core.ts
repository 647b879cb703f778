import { IncomingMessage, ServerResponse } from 'node:http';
import { LiveChatEmulatorState } from './emulator-state';
import { JsonObject } from '../shared/http-toolkit';
import { WebhookDispatcher } from './webhook-dispatcher';

/** Which token (if any) authenticated a recorded call. */
export type AuthKind = 'none' | 'agent' | 'refresh' | 'customer' | 'invalid';

/** One recorded request (tests assert on these). */
export interface CallRecord {
  /** Route name: an API method (`send_event`), or `token`, `info`, `revoke_token`, `customer_token`, ... */
  route: string;
  method: string;
  path: string;
  query: Record<string, string>;
  /** JSON object or form fields; `{}` for multipart and empty bodies. */
  body: JsonObject;
  /** For multipart: the parts without their bytes. */
  multipart?: Array<{ name: string; filename?: string; contentType?: string; size: number }>;
  contentType?: string;
  authKind: AuthKind;
  /** The bearer (or `?code=`) token presented, for assertions like "used the new token". */
  token?: string;
  headers: Record<string, string>;
  at: number;
  /** Undefined while in flight, or forever for a hung (fault-injected) request. */
  status?: number;
  faultId?: number;
}

export interface EmulatorSettings {
  clientId: string;
  clientSecret: string;
  apiVersion: string;
  /** Whitelisted redirect URIs (LiveChat prefix rule); empty → any. */
  redirectUris: string[];
  /** Authorize page redirects at once, without the Allow click. */
  autoApprove: boolean;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  raw: Buffer;
  body: JsonObject;
  bodyValid: boolean;
  contentType: string;
  bearer?: string;
  baseUrl: string;
  call: CallRecord;
}

export interface RouteResult {
  status: number;
  json?: unknown;
  html?: string;
  redirect?: string;
  bytes?: { data: Buffer; contentType: string };
  headers?: Record<string, string>;
}

export interface EmulatorCore {
  state: LiveChatEmulatorState;
  webhooks: WebhookDispatcher;
  settings: EmulatorSettings;
}
