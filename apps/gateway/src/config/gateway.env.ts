import { PlatformApisEnv } from '@app/platform';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { IsHttpUrl } from '@app/platform';

export class GatewayEnv extends PlatformApisEnv {
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

  /** After uninstall or disconnect; our privacy policy promises at most 7 days. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(604_800)
  PURGE_DELAY_SECONDS = 604_800;

  /** Largest webhook body accepted (Meta batches up to 1000 updates per POST). */
  @Type(() => Number)
  @IsInt()
  @Min(1_024)
  @Max(50 * 1024 * 1024)
  WEBHOOK_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

  /** How long message id links are kept (stated on /privacy; the cleanup worker enforces it). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3_650)
  MESSAGE_LINK_RETENTION_DAYS = 30;

  /** Shown on /privacy. */
  @IsString()
  OPERATOR_NAME = 'The operator of this service';

  @IsString()
  OPERATOR_CONTACT = 'privacy@example.com';
}
