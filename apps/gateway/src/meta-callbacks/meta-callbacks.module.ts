import { Module } from '@nestjs/common';
import { MetaCallbacksController } from './meta-callbacks.controller';
import { MetaCallbacksService } from './meta-callbacks.service';
import { SignedRequestReplayGuard } from './signed-request-replay.guard';

@Module({
  controllers: [MetaCallbacksController],
  providers: [MetaCallbacksService, SignedRequestReplayGuard],
})
export class MetaCallbacksModule {}
