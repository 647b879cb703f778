import { getQueueToken } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { QueueName } from '@app/queues';
import { Queue } from 'bull';
import { DataSource } from 'typeorm';

export interface CheckResult {
  ok: boolean;
  reason?: string;
  latencyMs: number;
}

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function timed(what: string, check: () => Promise<unknown>): Promise<CheckResult> {
  const started = Date.now();
  try {
    await withTimeout(check(), what);
    return { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, reason, latencyMs: Date.now() - started };
  }
}

/** Readiness: can this process reach what it needs to do its job right now? */
@Injectable()
export class HealthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
  ) {}

  async readiness(): Promise<{ ok: boolean; checks: Record<string, CheckResult> }> {
    const queue = this.moduleRef.get<Queue>(getQueueToken(QueueName.INSTAGRAM_INBOUND), {
      strict: false,
    });
    const [postgres, redis] = await Promise.all([
      timed('postgres', () => this.dataSource.query('SELECT 1')),
      timed('redis', async () => {
        const pong: string = await queue.client.ping();
        if (pong !== 'PONG') {
          throw new Error(`redis answered ${pong}`);
        }
      }),
    ]);
    return { ok: postgres.ok && redis.ok, checks: { postgres, redis } };
  }
}
