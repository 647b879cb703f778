import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { TokenCipher, TokenDecryptionError } from '../crypto/token-cipher';
import { TOKEN_CIPHER } from '../crypto/token-cipher.provider';
import { installationTokenContext, pageTokenContext } from '../crypto/token-contexts';
import { InstagramAccountEntity } from '../entities/instagram-account.entity';
import { InstallationEntity } from '../entities/installation.entity';

/** One encrypted column: where it is, and the context its ciphertexts are bound to. */
export interface EncryptedColumn {
  /** `table.column`: the metric label and log key. */
  readonly name: string;
  readonly entity: EntityTarget<ObjectLiteral>;
  readonly table: string;
  readonly column: string;
  readonly property: string;
  readonly context: (rowId: string) => string;
}

/** Every column that holds a ciphertext of TokenCipher. A new `_enc` column belongs here. */
export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  {
    name: 'installations.access_token_enc',
    entity: InstallationEntity,
    table: 'installations',
    column: 'access_token_enc',
    property: 'accessTokenEnc',
    context: (id) => installationTokenContext(id, 'access'),
  },
  {
    name: 'installations.refresh_token_enc',
    entity: InstallationEntity,
    table: 'installations',
    column: 'refresh_token_enc',
    property: 'refreshTokenEnc',
    context: (id) => installationTokenContext(id, 'refresh'),
  },
  {
    name: 'instagram_accounts.page_token_enc',
    entity: InstagramAccountEntity,
    table: 'instagram_accounts',
    column: 'page_token_enc',
    property: 'pageTokenEnc',
    context: (id) => pageTokenContext(id),
  },
];

export interface ReencryptionBatch {
  /** Rows found under another key in this batch. */
  scanned: number;
  reencrypted: number;
  /** Under a key that is no longer configured (or damaged): left as they are, never lost. */
  undecryptable: number;
  /** Rewritten by someone else (a token refresh) between read and write: already current. */
  changedMeanwhile: number;
  /** Where the next batch starts; null when this column is done. */
  nextAfterId: string | null;
}

/**
 * Key rotation at rest: finds ciphertexts made with a key other than the current one (each
 * names its key by fingerprint, so this is a plain `NOT LIKE`), and rewrites them under the
 * current key. A row is only overwritten if it still holds what was read, so a token refreshed
 * meanwhile is never replaced by its older value.
 */
@Injectable()
export class TokenRotationRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(TOKEN_CIPHER) private readonly cipher: TokenCipher,
  ) {}

  private currentPrefix(): string {
    return `v1:${this.cipher.currentKeyId}:%`;
  }

  /** Rows per encrypted column whose ciphertext is not under the current key. */
  async countNotUnderCurrentKey(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const c of ENCRYPTED_COLUMNS) {
      const rows = await this.dataSource.query<Array<{ n: string }>>(
        `SELECT count(*) AS n FROM ${c.table} WHERE ${c.column} IS NOT NULL AND ${c.column} NOT LIKE $1`,
        [this.currentPrefix()],
      );
      counts[c.name] = Number(rows[0]?.n ?? 0);
    }
    return counts;
  }

  /** Re-encrypts up to `limit` rows of one column after `afterId` (ids in order). */
  async reencryptBatch(
    c: EncryptedColumn,
    afterId: string | null,
    limit: number,
  ): Promise<ReencryptionBatch> {
    const rows = await this.dataSource.query<Array<{ id: string; value: string }>>(
      `SELECT id, ${c.column} AS value FROM ${c.table}
        WHERE ${c.column} IS NOT NULL AND ${c.column} NOT LIKE $1
          AND ($2::uuid IS NULL OR id > $2::uuid)
        ORDER BY id LIMIT $3`,
      [this.currentPrefix(), afterId, limit],
    );
    const batch: ReencryptionBatch = {
      scanned: rows.length,
      reencrypted: 0,
      undecryptable: 0,
      changedMeanwhile: 0,
      nextAfterId: rows.length === limit ? (rows[rows.length - 1]?.id ?? null) : null,
    };
    for (const row of rows) {
      let plaintext: string;
      try {
        plaintext = this.cipher.decrypt(row.value, c.context(row.id));
      } catch (error) {
        if (error instanceof TokenDecryptionError) {
          batch.undecryptable += 1;
          continue;
        }
        throw error;
      }
      const result = await this.dataSource
        .createQueryBuilder()
        .update(c.entity)
        .set({ [c.property]: this.cipher.encrypt(plaintext, c.context(row.id)) })
        .where(`id = :id AND ${c.column} = :old`, { id: row.id, old: row.value })
        .execute();
      if ((result.affected ?? 0) > 0) {
        batch.reencrypted += 1;
      } else {
        batch.changedMeanwhile += 1;
      }
    }
    return batch;
  }
}
