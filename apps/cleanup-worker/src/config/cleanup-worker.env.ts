import { DataLifecycleEnv } from '@app/platform';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export class CleanupWorkerEnv extends DataLifecycleEnv {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  CLEANUP_CONCURRENCY = 4;

  /**
   * How long an unsigned uninstall webhook may wait for LiveChat to confirm it (our grant stops
   * working, or the app's license webhooks are turned off). Relaying is stopped meanwhile; past
   * it, an unconfirmed uninstall is undone and reported as a possible forgery.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400)
  UNINSTALL_CONFIRM_WINDOW_SECONDS = 900;

  /**
   * A conversation (Instagram user ↔ LiveChat customer and chat) with no activity and no message
   * link for this long is forgotten; if the person writes again, they start a new LiveChat chat.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3_650)
  CONVERSATION_IDLE_DAYS = 180;

  /**
   * How often the watchdog checks each connected account (Page subscription, Page token and its
   * permissions, the license's LiveChat webhooks). Each account has its own phase within the
   * period. At least 2 s (tests); more than a few minutes delays repairs.
   */
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(86_400)
  WATCHDOG_INTERVAL_SECONDS = 300;

  @Type(() => Number)
  @IsInt()
  @Min(-1)
  @Max(65_535)
  METRICS_PORT = 9465;
}
