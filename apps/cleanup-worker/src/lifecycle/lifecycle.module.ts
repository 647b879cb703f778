import { Module } from '@nestjs/common';
import { DataPurgeProcessor } from './data-purge.processor';
import { PurgeService } from './purge.service';
import { RedisJanitor } from './redis-janitor.service';
import { RevocationService } from './revocation.service';
import { TokenRevocationProcessor } from './token-revocation.processor';
import { TokenRevocationService } from './token-revocation.service';
import { UninstallVerifier } from './uninstall-verifier.service';

/** Uninstall, disconnect and deauthorize: revoke what was granted, then purge what is stored. */
@Module({
  providers: [
    UninstallVerifier,
    RevocationService,
    TokenRevocationService,
    TokenRevocationProcessor,
    RedisJanitor,
    PurgeService,
    DataPurgeProcessor,
  ],
  exports: [RevocationService, PurgeService],
})
export class LifecycleModule {}
