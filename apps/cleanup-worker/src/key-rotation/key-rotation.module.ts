import { Module } from '@nestjs/common';
import { TokenReencryptionProcessor } from './token-reencryption.processor';
import { TokenReencryptionService } from './token-reencryption.service';

/** Retiring old token encryption keys: re-encrypts rows still under them (docs/operations.md). */
@Module({
  providers: [TokenReencryptionService, TokenReencryptionProcessor],
})
export class KeyRotationModule {}
