import { Injectable } from '@nestjs/common';
import {
  InstagramAccountEntity,
  InstagramAccountRepository,
  InstallationEntity,
  InstallationRepository,
} from '@app/persistence';
import { ConnectionSignals } from './connection-signals.service';

export interface ConnectedAccount {
  account: InstagramAccountEntity;
  installation: InstallationEntity;
}

/** Changes nobody signals (a settings edit) are seen within this. */
const TTL_MS = 3_000;

interface Entry {
  at: number;
  /** The connections generation the entry was read under. */
  generation: string;
  value: ConnectedAccount | null;
}

/**
 * Webhook routing: Instagram account id → our account and its installation, briefly cached. Every
 * use checks the connections generation first (one Redis read): an uninstall, disconnect,
 * reinstall or reconnect counts from the very next message on every worker, whatever the cache.
 */
@Injectable()
export class InstagramAccountDirectory {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly accounts: InstagramAccountRepository,
    private readonly installations: InstallationRepository,
    private readonly signals: ConnectionSignals,
  ) {}

  async find(instagramAccountId: string): Promise<ConnectedAccount | null> {
    // Read before the rows: a change committed after this read bumps it past the entry's.
    const generation = await this.signals.generation();
    const hit = this.cache.get(instagramAccountId);
    if (hit && hit.generation === generation && Date.now() - hit.at < TTL_MS) {
      return hit.value;
    }
    const account = await this.accounts.findByInstagramId(instagramAccountId);
    const installation = account ? await this.installations.findById(account.installationId) : null;
    const value = account && installation ? { account, installation } : null;
    if (this.cache.size > 10_000) {
      this.cache.clear();
    }
    this.cache.set(instagramAccountId, { at: Date.now(), generation, value });
    return value;
  }

  /**
   * Just before sending: true while the account and its installation still relay (one Redis
   * read when nothing changed since `find`).
   */
  async stillRelaying(instagramAccountId: string): Promise<boolean> {
    const found = await this.find(instagramAccountId);
    return (
      !!found &&
      found.account.status !== 'disconnected' &&
      found.installation.status !== 'uninstalled'
    );
  }

  invalidate(instagramAccountId: string): void {
    this.cache.delete(instagramAccountId);
  }
}
