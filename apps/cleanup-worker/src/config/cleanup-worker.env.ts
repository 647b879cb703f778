import { PlatformApisEnv } from '@app/platform';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export class CleanupWorkerEnv extends PlatformApisEnv {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  CLEANUP_CONCURRENCY = 4;

  /** After uninstall or disconnect; the privacy policy promises at most 7 days. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(604_800)
  PURGE_DELAY_SECONDS = 604_800;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3_650)
  MESSAGE_LINK_RETENTION_DAYS = 30;

  @Type(() => Number)
  @IsInt()
  @Min(-1)
  @Max(65_535)
  METRICS_PORT = 9465;
}
