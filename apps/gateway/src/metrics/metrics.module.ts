import {
  Controller,
  Get,
  Header,
  Headers,
  Module,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { QueueMetricsService } from '@app/app-wiring';
import { Metrics } from '@app/platform';
import { ALL_QUEUES } from '@app/queues';
import { FastifyReply } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayEnv } from '../config/gateway.env';

/** Queue gauges are read from Redis at most this often, whatever the scrape rate. */
export const QUEUE_GAUGE_REFRESH_MS = 5_000;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

@Controller('metrics')
export class MetricsController {
  private refreshedAt = 0;
  private refreshing?: Promise<void>;
  private readonly expectedToken?: Buffer;

  constructor(
    private readonly metrics: Metrics,
    private readonly queues: QueueMetricsService,
    env: GatewayEnv,
  ) {
    this.expectedToken = env.METRICS_TOKEN ? digest(env.METRICS_TOKEN) : undefined;
  }

  /**
   * Prometheus text format. Anonymous scrapes are cheap: queue depths are cached (one refresh per
   * QUEUE_GAUGE_REFRESH_MS, shared by concurrent scrapes). With METRICS_TOKEN set, only
   * `Authorization: Bearer <METRICS_TOKEN>` is served (compared in constant time).
   */
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (this.expectedToken && !this.authorized(authorization, this.expectedToken)) {
      void reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new UnauthorizedException('metrics require Authorization: Bearer <METRICS_TOKEN>');
    }
    await this.refreshQueues();
    return this.metrics.registry.metrics();
  }

  private authorized(header: string | undefined, expected: Buffer): boolean {
    const given = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    return timingSafeEqual(digest(given), expected);
  }

  private refreshQueues(): Promise<void> {
    if (this.refreshing) {
      return this.refreshing;
    }
    if (Date.now() - this.refreshedAt < QUEUE_GAUGE_REFRESH_MS) {
      return Promise.resolve();
    }
    this.refreshing = this.queues
      .refresh(ALL_QUEUES)
      .then(() => {
        this.refreshedAt = Date.now();
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}

/** The registry itself (`Metrics`) is provided globally by the gateway module. */
@Module({
  controllers: [MetricsController],
  providers: [QueueMetricsService],
})
export class MetricsModule {}
