import { PlatformApisEnv } from '@app/platform';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export class RelayWorkerEnv extends PlatformApisEnv {
  /** Jobs one process runs at once, per queue. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(256)
  RELAY_CONCURRENCY = 16;

  /** Port of the small metrics and health listener; 0 picks a free one, -1 turns it off. */
  @Type(() => Number)
  @IsInt()
  @Min(-1)
  @Max(65_535)
  METRICS_PORT = 9464;
}
