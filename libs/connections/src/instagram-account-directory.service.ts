import { Injectable } from '@nestjs/common';
import {
  InstagramAccountEntity,
  InstagramAccountRepository,
  InstallationEntity,
  InstallationRepository,
} from '@app/persistence';

export interface ConnectedAccount {
  account: InstagramAccountEntity;
  installation: InstallationEntity;
}

/** Short: a disconnect or uninstall stops relaying within seconds on every worker. */
const TTL_MS = 3_000;

/** Webhook routing: Instagram account id → our account and its installation, briefly cached. */
@Injectable()
export class InstagramAccountDirectory {
  private readonly cache = new Map<string, { at: number; value: ConnectedAccount | null }>();

  constructor(
    private readonly accounts: InstagramAccountRepository,
    private readonly installations: InstallationRepository,
  ) {}

  async find(instagramAccountId: string): Promise<ConnectedAccount | null> {
    const hit = this.cache.get(instagramAccountId);
    if (hit && Date.now() - hit.at < TTL_MS) {
      return hit.value;
    }
    const account = await this.accounts.findByInstagramId(instagramAccountId);
    const installation = account ? await this.installations.findById(account.installationId) : null;
    const value = account && installation ? { account, installation } : null;
    if (this.cache.size > 10_000) {
      this.cache.clear();
    }
    this.cache.set(instagramAccountId, { at: Date.now(), value });
    return value;
  }

  invalidate(instagramAccountId: string): void {
    this.cache.delete(instagramAccountId);
  }
}
