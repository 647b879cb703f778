import { Injectable } from '@nestjs/common';
import { InstagramAccountEntity, InstagramAccountRepository } from '@app/persistence';

/**
 * Decrypted page tokens by account, each with the ciphertext it came from: the account row is
 * read with every webhook, so a new token (a reconnect) is a new ciphertext and is used at once.
 */
@Injectable()
export class PageTokenCache {
  private readonly tokens = new Map<string, { enc: string; token: string }>();

  constructor(private readonly accounts: InstagramAccountRepository) {}

  tokenOf(account: InstagramAccountEntity): string | null {
    const enc = account.pageTokenEnc;
    const hit = this.tokens.get(account.id);
    if (enc && hit?.enc === enc) {
      return hit.token;
    }
    this.tokens.delete(account.id);
    const token = this.accounts.pageTokenOf(account);
    if (enc && token) {
      if (this.tokens.size > 10_000) {
        this.tokens.clear();
      }
      this.tokens.set(account.id, { enc, token });
    }
    return token;
  }

  forget(accountId: string): void {
    this.tokens.delete(accountId);
  }
}
