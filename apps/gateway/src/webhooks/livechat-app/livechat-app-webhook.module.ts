import { Module } from '@nestjs/common';
import { LiveChatAppLifecycleService } from './livechat-app-lifecycle.service';
import { LiveChatAppWebhookController } from './livechat-app-webhook.controller';

@Module({
  controllers: [LiveChatAppWebhookController],
  providers: [LiveChatAppLifecycleService],
})
export class LiveChatAppWebhookModule {}
