import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { RelayError } from '@app/credentials';
import { HostAllowlist, Metrics, parseHostAllowlist } from '@app/platform';
import { Counter } from 'prom-client';
import { RelayWorkerEnv } from '../config/relay-worker.env';
import {
  checkMediaUrl,
  guardedLookup,
  loggableUrl,
  MediaHop,
  MediaRefusal,
  MediaUrlRefusedError,
  Resolver,
  systemResolver,
} from './media-url-guard';

/** LiveChat's upload limit. */
export const LIVECHAT_MAX_FILE_BYTES = 10 * 1024 * 1024;

export type FetchedMedia =
  | { status: 'ok'; data: Buffer; contentType: string; fileName: string }
  | { status: 'too-large'; bytes?: number }
  | { status: 'gone' }
  /** Not fetched: the URL (or a redirect) leads off the allowed hosts. Reason already logged. */
  | { status: 'refused'; reason: MediaRefusal };

/** Lookaside URLs redirect once to the CDN; more than a few hops is not Meta. */
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/aac': 'aac',
  'audio/wav': 'wav',
  'audio/ogg': 'ogg',
  'application/pdf': 'pdf',
};

/**
 * Downloads an attachment from Instagram's CDN right away (its URLs expire), within LiveChat's
 * size limit, holding it in memory only until it is uploaded. The URL comes from a webhook, so
 * every hop (the URL, then each redirect, followed here rather than by the HTTP client) must be
 * https to a host of MEDIA_HOST_ALLOWLIST, on a public address unless the host is listed by name.
 */
@Injectable()
export class InstagramMediaService implements OnModuleDestroy {
  private readonly logger = new Logger(InstagramMediaService.name);
  private readonly allowlist: HostAllowlist;
  private readonly refusals: Counter<'reason'>;
  // Own pools: a socket is reused only for the host it was checked for.
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32 });
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
  /** DNS, replaceable so a test can make an allowed name resolve to an internal address. */
  resolver: Resolver = systemResolver;

  constructor(
    private readonly env: RelayWorkerEnv,
    metrics: Metrics,
  ) {
    const allowlist = parseHostAllowlist(env.MEDIA_HOST_ALLOWLIST);
    if (!allowlist) {
      // The env class validated it already; this only keeps the type honest.
      throw new Error('MEDIA_HOST_ALLOWLIST is malformed');
    }
    this.allowlist = allowlist;
    this.refusals = new Counter({
      name: 'igl_media_refused_total',
      help: 'Attachment URLs not fetched because they lead off MEDIA_HOST_ALLOWLIST, by reason',
      labelNames: ['reason'] as const,
      registers: [metrics.registry],
    });
  }

  onModuleDestroy(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }

  async fetch(url: string, kind: string): Promise<FetchedMedia> {
    const signal = AbortSignal.timeout(this.env.UPSTREAM_TIMEOUT_MS * 3);
    let current: URL;
    try {
      current = new URL(url);
    } catch {
      return this.refuse(url, kind, new MediaUrlRefusedError('malformed', 'not a URL'));
    }
    for (let hop = 0; ; hop += 1) {
      let response: IncomingMessage;
      try {
        response = await this.get(checkMediaUrl(current, this.allowlist), signal);
      } catch (error) {
        if (error instanceof MediaUrlRefusedError) {
          return this.refuse(current, kind, error);
        }
        throw new RelayError(
          'retryable',
          'instagram media download failed (network or timeout)',
          'media_network',
        );
      }
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (REDIRECT_STATUSES.has(status) && location) {
        response.destroy();
        if (hop >= MAX_REDIRECTS) {
          return this.refuse(
            current,
            kind,
            new MediaUrlRefusedError('redirects', `more than ${MAX_REDIRECTS} redirects`),
          );
        }
        try {
          current = new URL(location, current);
        } catch {
          return this.refuse(
            current,
            kind,
            new MediaUrlRefusedError('malformed', 'redirect to a malformed URL'),
          );
        }
        continue;
      }
      return this.read(response, status, kind);
    }
  }

  private get(hop: MediaHop, signal: AbortSignal): Promise<IncomingMessage> {
    const https = hop.url.protocol === 'https:';
    const request = https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        hop.url,
        {
          method: 'GET',
          agent: https ? this.httpsAgent : this.httpAgent,
          lookup: guardedLookup(hop, this.resolver),
          headers: { accept: '*/*' },
          signal,
        },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
  }

  private async read(
    response: IncomingMessage,
    status: number,
    kind: string,
  ): Promise<FetchedMedia> {
    if (status === 404 || status === 410 || status === 403) {
      response.destroy();
      return { status: 'gone' };
    }
    if (status < 200 || status >= 300) {
      response.destroy();
      throw new RelayError(
        status === 429 ? 'rate-limited' : 'retryable',
        `instagram media download failed (${status})`,
        'media_http',
      );
    }
    const declared = Number(response.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > LIVECHAT_MAX_FILE_BYTES) {
      response.destroy();
      return { status: 'too-large', bytes: declared };
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of response) {
        const buffer = chunk as Buffer;
        total += buffer.byteLength;
        if (total > LIVECHAT_MAX_FILE_BYTES) {
          response.destroy();
          return { status: 'too-large' };
        }
        chunks.push(buffer);
      }
    } catch {
      throw new RelayError(
        'retryable',
        'instagram media download failed (network or timeout)',
        'media_network',
      );
    }
    const contentType = (response.headers['content-type'] ?? 'application/octet-stream')
      .split(';')[0]
      .trim();
    const extension = EXTENSIONS[contentType] ?? 'bin';
    return {
      status: 'ok',
      data: Buffer.concat(chunks),
      contentType,
      fileName: `instagram-${kind}.${extension}`,
    };
  }

  private refuse(url: URL | string, kind: string, error: MediaUrlRefusedError): FetchedMedia {
    this.refusals.inc({ reason: error.code });
    this.logger.warn({
      msg: 'attachment not fetched: URL refused',
      kind,
      reason: error.message,
      // Not under `url` (the logger redacts that key): the host and path say where, and the
      // query string, which carries Meta's signature, is left out.
      target: loggableUrl(url),
    });
    return { status: 'refused', reason: error.code };
  }
}
