import { DataLifecycleEnv } from '@app/platform';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { IsHttpUrl } from '@app/platform';
import { IsTrustProxy } from '../edge/trust-proxy';

export class GatewayEnv extends DataLifecycleEnv {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65_535)
  PORT = 3000;

  /** Where the gateway is reached from the internet (OAuth redirects, status URLs). */
  @IsHttpUrl()
  PUBLIC_URL!: string;

  @IsString()
  @MinLength(8)
  META_VERIFY_TOKEN!: string;

  @IsString()
  @MinLength(16)
  LIVECHAT_WEBHOOK_SECRET!: string;

  @IsString()
  @MinLength(16)
  LIVECHAT_APP_WEBHOOK_TOKEN!: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  ADMIN_USERNAME?: string;

  @IsOptional()
  @IsString()
  @MinLength(12)
  ADMIN_PASSWORD?: string;

  /**
   * Largest Meta webhook body accepted (`POST /webhooks/instagram`; Meta batches updates, about
   * 1 MB at most). Every other route has a fixed, smaller limit (docs/security.md).
   */
  @Type(() => Number)
  @IsInt()
  @Min(64 * 1024)
  @Max(10 * 1024 * 1024)
  WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

  /** Time a client has to send a whole request, headers and body (408 and closed after). */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(300_000)
  HTTP_REQUEST_TIMEOUT_MS = 30_000;

  /** An idle keep-alive connection is closed after this long (above a proxy's own idle timeout). */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 10_000;

  /**
   * Requests per client IP per RATE_LIMIT_WINDOW_SECONDS on each of /install, /api, /connect,
   * /meta and /admin, counted in Redis (shared by every gateway replica). Webhooks are not limited.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_MAX = 120;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  RATE_LIMIT_WINDOW_SECONDS = 60;

  /**
   * Which X-Forwarded-For entries to believe (client IP in the access log and the rate limiter):
   * unset (off: the socket's peer is the client), a hop count (`1`: one proxy in front), or a
   * comma-separated list of proxy addresses/CIDRs (`10.0.0.0/8,127.0.0.1`).
   */
  @IsOptional()
  @IsTrustProxy()
  TRUST_PROXY?: string;

  /** When set, `/metrics` requires `Authorization: Bearer <METRICS_TOKEN>`. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  METRICS_TOKEN?: string;

  /** Bull Board shows queues and jobs but changes nothing unless this is `false`. */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toLowerCase() !== 'false' : value,
  )
  @IsBoolean()
  BULL_BOARD_READ_ONLY = true;

  /**
   * A Meta `signed_request` (deauthorize, data deletion) whose `issued_at` is older than this is
   * refused; a replay inside the window answers as the first delivery did and changes nothing.
   */
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(86_400)
  META_SIGNED_REQUEST_MAX_AGE_SECONDS = 3_600;

  /** Shown on /privacy. */
  @IsString()
  OPERATOR_NAME = 'The operator of this service';

  @IsString()
  OPERATOR_CONTACT = 'privacy@example.com';
}
