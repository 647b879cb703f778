import { DynamicModule, Module } from '@nestjs/common';
import { platformModules } from '@app/app-wiring';
import { Metrics } from '@app/platform';
import { ALL_QUEUES, QueueName } from '@app/queues';
import { GatewayEnv } from './config/gateway.env';
import { ConnectModule } from './connect/connect.module';
import { InstallModule } from './install/install.module';
import { PrivacyModule } from './privacy/privacy.module';
import { SettingsModule } from './settings/settings.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { InstagramWebhookModule } from './webhooks/instagram/instagram-webhook.module';
import { LiveChatWebhookModule } from './webhooks/livechat/livechat-webhook.module';
import { LiveChatAppWebhookModule } from './webhooks/livechat-app/livechat-app-webhook.module';
import { MetaCallbacksModule } from './meta-callbacks/meta-callbacks.module';

/**
 * The gateway registers every queue: it produces to most and shows all of them in Bull Board.
 * It declares no processor: it never consumes.
 */
export const GATEWAY_QUEUES: readonly QueueName[] = ALL_QUEUES;

@Module({})
export class GatewayModule {
  static forRoot(env: Readonly<GatewayEnv>): DynamicModule {
    const metrics = new Metrics('gateway');
    return {
      module: GatewayModule,
      imports: [
        {
          module: GatewayConfigModule,
          global: true,
          providers: [
            { provide: GatewayEnv, useValue: env },
            { provide: Metrics, useValue: metrics },
          ],
          exports: [GatewayEnv, Metrics],
        },
        ...platformModules(env, { app: 'gateway', metrics, queues: GATEWAY_QUEUES }),
        MetricsModule,
        InstallModule,
        SettingsModule,
        ConnectModule,
        PrivacyModule,
        HealthModule,
        InstagramWebhookModule,
        LiveChatWebhookModule,
        LiveChatAppWebhookModule,
        MetaCallbacksModule,
      ],
    };
  }
}

/** Holds the validated environment for injection (`constructor(private readonly env: GatewayEnv)`). */
@Module({})
export class GatewayConfigModule {}
