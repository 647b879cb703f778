import { Module } from '@nestjs/common';
import { MetaCallbacksController } from './meta-callbacks.controller';
import { MetaCallbacksService } from './meta-callbacks.service';
import { SignedRequestReplayGuard } from './signed-request-replay.guard';
import { SignedRequestGuard } from './signed-request.guard';

@Module({
  controllers: [MetaCallbacksController],
  providers: [MetaCallbacksService, SignedRequestReplayGuard, SignedRequestGuard],
})
export class MetaCallbacksModule {}
