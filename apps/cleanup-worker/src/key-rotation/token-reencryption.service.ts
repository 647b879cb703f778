import { Injectable, Logger } from '@nestjs/common';
import { ENCRYPTED_COLUMNS, TokenRotationRepository } from '@app/persistence';
import { Metrics } from '@app/platform';
import { Counter, Gauge } from 'prom-client';

/** Rows read and rewritten per statement batch: small transactions, bounded memory. */
export const REENCRYPTION_BATCH = 200;

export interface ReencryptionResult {
  reencrypted: number;
  changedMeanwhile: number;
  undecryptable: number;
  /** Rows still not under the current key after the run (undecryptable ones included). */
  remaining: number;
}

/**
 * Re-encrypts every token still under a previous key (TOKEN_ENCRYPTION_PREVIOUS_KEYS) with the
 * current one, column by column, in batches. Idempotent: a second run finds nothing to do. The
 * `remaining` figure (log and gauge) is what an operator waits to see at 0 before dropping an
 * old key (docs/operations.md).
 */
@Injectable()
export class TokenReencryptionService {
  private readonly logger = new Logger(TokenReencryptionService.name);
  private readonly reencrypted: Counter<'column'>;
  private readonly remaining: Gauge<'column'>;

  constructor(
    private readonly rotation: TokenRotationRepository,
    metrics: Metrics,
  ) {
    this.reencrypted = new Counter({
      name: 'igl_tokens_reencrypted_total',
      help: 'Encrypted tokens rewritten under the current TOKEN_ENCRYPTION_KEY, by column',
      labelNames: ['column'] as const,
      registers: [metrics.registry],
    });
    this.remaining = new Gauge({
      name: 'igl_tokens_under_previous_keys',
      help: 'Encrypted tokens not under the current key after the last re-encryption run (0: old keys can be dropped)',
      labelNames: ['column'] as const,
      registers: [metrics.registry],
    });
  }

  async run(): Promise<ReencryptionResult> {
    const result: ReencryptionResult = {
      reencrypted: 0,
      changedMeanwhile: 0,
      undecryptable: 0,
      remaining: 0,
    };
    for (const column of ENCRYPTED_COLUMNS) {
      let afterId: string | null = null;
      let undecryptable = 0;
      do {
        const batch = await this.rotation.reencryptBatch(column, afterId, REENCRYPTION_BATCH);
        this.reencrypted.inc({ column: column.name }, batch.reencrypted);
        result.reencrypted += batch.reencrypted;
        result.changedMeanwhile += batch.changedMeanwhile;
        undecryptable += batch.undecryptable;
        afterId = batch.nextAfterId;
      } while (afterId);
      if (undecryptable > 0) {
        this.logger.warn({
          msg: 'tokens under a key that is not configured: left as they are',
          column: column.name,
          rows: undecryptable,
        });
      }
      result.undecryptable += undecryptable;
    }
    const left = await this.rotation.countNotUnderCurrentKey();
    for (const [column, rows] of Object.entries(left)) {
      this.remaining.set({ column }, rows);
      result.remaining += rows;
    }
    return result;
  }
}
