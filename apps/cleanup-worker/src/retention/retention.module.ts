import { Module } from '@nestjs/common';
import { WatchdogModule } from '../watchdog/watchdog.module';
import { CleanupScheduleService } from './cleanup-schedule.service';
import { RetentionSweepProcessor } from './retention-sweep.processor';
import { RetentionService } from './retention.service';
import { TokenHealthProcessor } from './token-health.processor';
import { TokenHealthService } from './token-health.service';

/** Scheduled work: retention sweeps, token health and the watchdog, as Bull repeatable jobs. */
@Module({
  imports: [WatchdogModule],
  providers: [
    RetentionService,
    RetentionSweepProcessor,
    TokenHealthService,
    TokenHealthProcessor,
    CleanupScheduleService,
  ],
})
export class RetentionModule {}
