import { Controller, Get, Global, Header, Module } from '@nestjs/common';
import { QueueMetricsService } from '@app/connections';
import { Metrics } from '@app/platform';
import { ALL_QUEUES } from '@app/queues';

@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    private readonly queues: QueueMetricsService,
  ) {}

  /** Prometheus text format, queue depths read at scrape time. */
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    await this.queues.refresh(ALL_QUEUES);
    return this.metrics.registry.metrics();
  }
}

@Global()
@Module({
  controllers: [MetricsController],
  providers: [{ provide: Metrics, useFactory: () => new Metrics('gateway') }, QueueMetricsService],
  exports: [Metrics],
})
export class MetricsModule {}
