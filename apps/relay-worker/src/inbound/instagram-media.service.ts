import { Injectable } from '@nestjs/common';
import { RelayError } from '@app/connections';
import { RelayWorkerEnv } from '../config/relay-worker.env';

/** LiveChat's upload limit. */
export const LIVECHAT_MAX_FILE_BYTES = 10 * 1024 * 1024;

export type FetchedMedia =
  | { status: 'ok'; data: Buffer; contentType: string; fileName: string }
  | { status: 'too-large'; bytes?: number }
  | { status: 'gone' };

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
 * size limit, holding it in memory only until it is uploaded.
 */
@Injectable()
export class InstagramMediaService {
  constructor(private readonly env: RelayWorkerEnv) {}

  async fetch(url: string, kind: string): Promise<FetchedMedia> {
    let response: Response;
    try {
      response = await fetch(url, {
        signal: AbortSignal.timeout(this.env.UPSTREAM_TIMEOUT_MS * 3),
        redirect: 'follow',
      });
    } catch {
      throw new RelayError(
        'retryable',
        'instagram media download failed (network or timeout)',
        'media_network',
      );
    }
    if (response.status === 404 || response.status === 410 || response.status === 403) {
      await response.body?.cancel();
      return { status: 'gone' };
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new RelayError(
        response.status === 429 ? 'rate-limited' : 'retryable',
        `instagram media download failed (${response.status})`,
        'media_http',
      );
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > LIVECHAT_MAX_FILE_BYTES) {
      await response.body?.cancel();
      return { status: 'too-large', bytes: declared };
    }
    const chunks: Buffer[] = [];
    let total = 0;
    if (response.body) {
      for await (const chunk of response.body) {
        total += (chunk as Uint8Array).byteLength;
        if (total > LIVECHAT_MAX_FILE_BYTES) {
          return { status: 'too-large' };
        }
        chunks.push(Buffer.from(chunk as Uint8Array));
      }
    }
    const contentType = (response.headers.get('content-type') ?? 'application/octet-stream')
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
}
