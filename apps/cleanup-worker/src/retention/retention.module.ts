import { Module } from '@nestjs/common';
import { CleanupScheduleService } from './cleanup-schedule.service';
import { RetentionSweepProcessor } from './retention-sweep.processor';
import { RetentionService } from './retention.service';
import { TokenHealthProcessor } from './token-health.processor';
import { TokenHealthService } from './token-health.service';

/** Scheduled work: retention sweeps and token health, as Bull repeatable jobs. */
@Module({
  providers: [
    RetentionService,
    RetentionSweepProcessor,
    TokenHealthService,
    TokenHealthProcessor,
    CleanupScheduleService,
  ],
})
export class RetentionModule {}
