import { Module } from '@nestjs/common';
import { AccountWatchdogService } from './account-watchdog.service';
import { WatchdogTickService } from './watchdog-tick.service';

/** The connection watchdog; its jobs run on the token-health queue (retention/). */
@Module({
  providers: [AccountWatchdogService, WatchdogTickService],
  exports: [AccountWatchdogService, WatchdogTickService],
})
export class WatchdogModule {}
