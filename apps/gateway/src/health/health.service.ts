import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { QueueName } from '@app/queues';
import { Queue } from 'bull';
import { DataSource } from 'typeorm';

export interface CheckResult {
  ok: boolean;
  /** Why it is down, as a category: the error's own text stays in the log (it can name hosts). */
  reason?: 'timeout' | 'unreachable';
  latencyMs: number;
}

class CheckTimeout extends Error {}

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CheckTimeout(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function timed(
  what: string,
  check: () => Promise<unknown>,
  logger: Logger,
): Promise<CheckResult> {
  const started = Date.now();
  try {
    await withTimeout(check(), what);
    return { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    logger.warn({ msg: 'readiness check failed', dependency: what, error: String(error) });
    return {
      ok: false,
      reason: error instanceof CheckTimeout ? 'timeout' : 'unreachable',
      latencyMs: Date.now() - started,
    };
  }
}

/**
 * Readiness: can this process reach what it needs to do its job right now? Anonymous callers
 * share one check at a time (a flood of /health/ready costs one query and one PING in flight).
 */
@Injectable()
export class HealthService {
  private readonly logger = new Logger(HealthService.name);
  private running?: Promise<{ ok: boolean; checks: Record<string, CheckResult> }>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
  ) {}

  readiness(): Promise<{ ok: boolean; checks: Record<string, CheckResult> }> {
    this.running ??= this.check().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async check(): Promise<{ ok: boolean; checks: Record<string, CheckResult> }> {
    const queue = this.moduleRef.get<Queue>(getQueueToken(QueueName.INSTAGRAM_INBOUND), {
      strict: false,
    });
    const [postgres, redis] = await Promise.all([
      timed('postgres', () => this.dataSource.query('SELECT 1'), this.logger),
      timed(
        'redis',
        async () => {
          const pong: string = await queue.client.ping();
          if (pong !== 'PONG') {
            throw new Error(`redis answered ${pong}`);
          }
        },
        this.logger,
      ),
    ]);
    return { ok: postgres.ok && redis.ok, checks: { postgres, redis } };
  }
}
