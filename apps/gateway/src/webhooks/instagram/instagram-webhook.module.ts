import { Module } from '@nestjs/common';
import { InstagramIntakeService } from './instagram-intake.service';
import { InstagramWebhookController } from './instagram-webhook.controller';

@Module({ controllers: [InstagramWebhookController], providers: [InstagramIntakeService] })
export class InstagramWebhookModule {}
