import { Controller, Get, Header, Module } from '@nestjs/common';
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

/** The registry itself (`Metrics`) is provided globally by the gateway module. */
@Module({
  controllers: [MetricsController],
  providers: [QueueMetricsService],
})
export class MetricsModule {}
