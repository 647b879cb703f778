import { Logger } from '@nestjs/common';
import { classifyLiveChatFailure, LiveChatApiError, parseRetryAfter } from './livechat-api.error';
import { ResolvedLiveChatOptions } from './livechat-options.types';
import { asRecord, optString } from './livechat-parse.util';

export interface TransportRequest {
  /** Logical name used in logs, metrics and errors (`send_event`, `refresh_token`, ...). */
  method: string;
  httpMethod: 'GET' | 'POST' | 'DELETE';
  url: string;
  bearer?: string;
  json?: unknown;
  form?: Record<string, string | undefined>;
  multipart?: FormData;
  /** Web API calls get `X-Region`; accounts calls do not. */
  regional?: boolean;
  /** Statuses that count as success although not 2xx (404 on revoke). */
  acceptStatuses?: readonly number[];
  /** Per-method override of the status-based classification. */
  classify?: (
    status: number,
    vendorType: string | undefined,
  ) => LiveChatApiError['kind'] | undefined;
}

export interface TransportResponse {
  status: number;
  body: unknown;
}

const REGION_PREFIX = /^([a-z]{2,5}(?:-[a-z0-9]+)?):/;

/**
 * The one place that talks HTTP to LiveChat: timeout, classification, debug log, metrics hook.
 * Relies on Node's global fetch (undici) for keep-alive connection reuse.
 */
export class LiveChatTransport {
  private readonly warnedLifecycle = new Set<string>();

  constructor(
    private readonly options: ResolvedLiveChatOptions,
    private readonly logger: Logger,
  ) {}

  async request(req: TransportRequest): Promise<TransportResponse> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    let body: string | FormData | undefined;
    if (req.bearer !== undefined) {
      headers.Authorization = `Bearer ${req.bearer}`;
    }
    if (req.regional && this.options.sendRegionHeader && req.bearer !== undefined) {
      const region = REGION_PREFIX.exec(req.bearer)?.[1];
      if (region !== undefined) {
        headers['X-Region'] = region;
      }
    }
    if (req.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.form !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(req.form)) {
        if (value !== undefined) {
          params.append(key, value);
        }
      }
      body = params.toString();
    } else if (req.multipart !== undefined) {
      body = req.multipart; // fetch sets the multipart boundary itself
    }

    const started = performance.now();
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let status: number | 'network' = 'network';
    try {
      let response: Response;
      let text: string;
      try {
        response = await fetch(req.url, {
          method: req.httpMethod,
          headers,
          body,
          signal,
        });
        status = response.status;
        // Reading the body is covered by the same timeout signal.
        text = await response.text();
      } catch (err) {
        status = 'network';
        // Checked on the signal, not the error class: DOMException crosses realms (e.g. in Jest).
        const reason = signal.aborted ? 'timeout' : 'network';
        throw new LiveChatApiError({ method: req.method, kind: 'retryable', reason, cause: err });
      }
      this.noteLifecycleHeaders(req.method, response.headers);
      const parsed = parseJson(text);
      if (
        (response.status >= 200 && response.status < 300) ||
        req.acceptStatuses?.includes(response.status)
      ) {
        return { status: response.status, body: parsed };
      }
      throw this.toError(req, response, parsed);
    } finally {
      const durationMs = Math.round(performance.now() - started);
      this.logger.debug(`${req.method} ${status} ${durationMs}ms`);
      this.report({ api: 'livechat', method: req.method, status, durationMs });
    }
  }

  private toError(req: TransportRequest, response: Response, body: unknown): LiveChatApiError {
    const { vendorType, region } = vendorErrorOf(body);
    const kind =
      req.classify?.(response.status, vendorType) ??
      classifyLiveChatFailure(response.status, vendorType);
    return new LiveChatApiError({
      method: req.method,
      kind,
      status: response.status,
      vendorType,
      region,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    });
  }

  /** Legacy/deprecated API versions announce themselves; say so once per value. */
  private noteLifecycleHeaders(method: string, headers: Headers): void {
    for (const name of ['deprecation', 'legacy']) {
      const value = headers.get(name);
      if (value !== null && !this.warnedLifecycle.has(`${name}:${value}`)) {
        this.warnedLifecycle.add(`${name}:${value}`);
        this.logger.warn(`LiveChat API ${name} header on ${method}: ${value.slice(0, 40)}`);
      }
    }
  }

  private report(info: Parameters<NonNullable<ResolvedLiveChatOptions['onCall']>>[0]): void {
    try {
      this.options.onCall?.(info);
    } catch {
      // A broken metrics hook must never fail a call.
    }
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Reads the three error shapes LiveChat uses (chat API, global accounts, customer accounts). */
export function vendorErrorOf(body: unknown): { vendorType?: string; region?: string } {
  const record = asRecord(body);
  if (record === undefined) {
    return {};
  }
  const chatError = asRecord(record.error);
  if (chatError !== undefined) {
    return {
      vendorType: optString(chatError, 'type'),
      region: optString(asRecord(chatError.data), 'region'),
    };
  }
  return { vendorType: optString(record, 'error') ?? optString(record, 'oauth_exception') };
}
