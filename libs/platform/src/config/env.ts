import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { IsBase64Key32, IsHttpUrl, IsKeyList, IsPostgresUrl, IsRedisUrl } from './validators';

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** What every process needs: storage, queues, token encryption, logging. */
export class CoreEnv {
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevelName = 'log';

  /**
   * Address the HTTP listeners bind (the gateway; the workers' metrics and health). All
   * interfaces by default, as a container needs; `127.0.0.1` keeps a host-run process on loopback.
   */
  @Matches(/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+|localhost)$/, {
    message: 'HOST must be an IP address (e.g. 0.0.0.0, 127.0.0.1, ::) or localhost',
  })
  HOST = '0.0.0.0';

  @IsPostgresUrl()
  DATABASE_URL!: string;

  /**
   * Postgres connections per process. The relay holds none across a platform call (its queries
   * are short and outside any transaction), so a few serve hundreds of jobs in flight: size it
   * by queries per second × query time, not by RELAY_CONCURRENCY (docs/configuration.md).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  @IsRedisUrl()
  REDIS_URL!: string;

  /** Prefix of every Redis key this deployment writes (Bull queues, locks, caches). */
  @Matches(/^[A-Za-z0-9_-]{1,32}$/)
  REDIS_KEY_PREFIX = 'igl';

  /** 32 random bytes, base64 (`openssl rand -base64 32`). Encrypts tokens at rest. */
  @IsBase64Key32()
  TOKEN_ENCRYPTION_KEY!: string;

  /** Keys being rotated out: still decrypt, never encrypt. Comma-separated base64 keys. */
  @IsOptional()
  @IsKeyList()
  TOKEN_ENCRYPTION_PREVIOUS_KEYS?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(365)
  FAILED_JOB_RETENTION_DAYS = 7;

  /**
   * How long a worker holds a job before others may take it over: a worker killed mid-job has
   * its jobs re-run after about this long. Lower means faster recovery, more Redis traffic.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(600_000)
  QUEUE_LOCK_DURATION_MS = 30_000;
}

/** Processes that talk to Meta and LiveChat (or build URLs for them). */
export class PlatformApisEnv extends CoreEnv {
  @IsString()
  @MinLength(1)
  META_APP_ID!: string;

  @IsString()
  @MinLength(8)
  META_APP_SECRET!: string;

  @IsHttpUrl()
  META_GRAPH_URL = 'https://graph.facebook.com';

  @Matches(/^v\d+\.\d+$/)
  META_GRAPH_VERSION = 'v26.0';

  @IsHttpUrl()
  META_OAUTH_URL = 'https://www.facebook.com';

  /**
   * The Instagram app ("API setup with Instagram login"). Optional: without both, connecting
   * through Instagram Login is off (the settings page says so). Which secret signs those webhooks
   * is unconfirmed, so a signature valid under either secret is accepted.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  META_INSTAGRAM_APP_ID?: string;

  @IsOptional()
  @IsString()
  @MinLength(8)
  META_INSTAGRAM_APP_SECRET?: string;

  /** Instagram Login's authorization dialog host. */
  @IsHttpUrl()
  INSTAGRAM_OAUTH_URL = 'https://www.instagram.com';

  /** Instagram Login's code exchange host. */
  @IsHttpUrl()
  INSTAGRAM_API_URL = 'https://api.instagram.com';

  /** Instagram Login's Graph host: tokens, Send API, profiles, subscriptions. */
  @IsHttpUrl()
  INSTAGRAM_GRAPH_URL = 'https://graph.instagram.com';

  @IsString()
  @MinLength(1)
  LIVECHAT_CLIENT_ID!: string;

  @IsString()
  @MinLength(8)
  LIVECHAT_CLIENT_SECRET!: string;

  @IsHttpUrl()
  LIVECHAT_API_URL = 'https://api.livechatinc.com';

  @IsHttpUrl()
  LIVECHAT_ACCOUNTS_URL = 'https://accounts.livechat.com';

  @Matches(/^\d+\.\d+$/)
  LIVECHAT_API_VERSION = '3.6';

  /** Timeout of every call to Meta or LiveChat. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  UPSTREAM_TIMEOUT_MS = 10_000;
}

/**
 * The purge and retention promises stated on /privacy: the gateway schedules and states them,
 * the cleanup worker enforces them, so both read the same declaration.
 */
export class DataLifecycleEnv extends PlatformApisEnv {
  /** After uninstall or disconnect; our privacy policy promises at most 7 days. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(604_800)
  PURGE_DELAY_SECONDS = 604_800;

  /** How long message id links are kept (stated on /privacy; the cleanup worker enforces it). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3_650)
  MESSAGE_LINK_RETENTION_DAYS = 30;
}
