import { Module } from '@nestjs/common';
import { LiveChatIntakeService } from './livechat-intake.service';
import { LiveChatWebhookController } from './livechat-webhook.controller';

@Module({ controllers: [LiveChatWebhookController], providers: [LiveChatIntakeService] })
export class LiveChatWebhookModule {}
