import { Injectable } from '@nestjs/common';
import { LiveChatCredentialsService } from '@app/credentials';
import { isLiveChatApiError } from '@app/livechat-sdk';
import { ConversationEntity, ConversationRepository, InstallationEntity } from '@app/persistence';
import { currentCorrelationId } from '@app/platform';
import { jobIds, JobProducer, QueueName } from '@app/queues';

/** A customer's token, kept in memory this long (LiveChat's live for hours; refused ones are dropped). */
const TOKEN_MEMORY_MS = 60_000;
const TOKEN_MEMORY_MAX = 10_000;

/** The customer an Instagram user is in LiveChat, and the token the relay acts with. */
export interface CustomerSession {
  installationId: string;
  organizationId: string;
  customerId: string;
  token: string;
}

/**
 * Opens the customer side of a conversation: creates the LiveChat customer on first contact,
 * mints (or reuses) its token, and retries a chat call once with a fresh token when LiveChat
 * refuses the one it had. Tokens are kept in memory for a minute: a busy conversation costs no
 * Redis read (nor decryption) per message.
 */
@Injectable()
export class CustomerSessions {
  private readonly tokens = new Map<string, { token: string; at: number }>();

  constructor(
    private readonly credentials: LiveChatCredentialsService,
    private readonly conversations: ConversationRepository,
    private readonly producer: JobProducer,
  ) {}

  async open(
    installation: InstallationEntity,
    conversation: ConversationEntity,
  ): Promise<CustomerSession> {
    const base = { installationId: installation.id, organizationId: installation.organizationId };
    const known = conversation.livechatCustomerId;
    const remembered = known ? this.remembered(installation.id, known) : undefined;
    if (known && remembered) {
      return { ...base, customerId: known, token: remembered };
    }
    const creds = await this.credentials.customer(installation.id, known);
    if (creds.created) {
      conversation.livechatCustomerId = creds.customerId;
      await this.conversations.update(installation.id, conversation.id, {
        livechatCustomerId: creds.customerId,
      });
      await this.syncProfile(installation.id, conversation.id);
    }
    this.remember(installation.id, creds.customerId, creds.token);
    return { ...base, customerId: creds.customerId, token: creds.token };
  }

  /** Runs a chat call; on an expired customer token, mints a fresh one and tries once more. */
  async call<T>(
    session: CustomerSession,
    run: (token: string, organizationId: string) => Promise<T>,
  ): Promise<T> {
    try {
      return await run(session.token, session.organizationId);
    } catch (error) {
      if (!(isLiveChatApiError(error) && error.kind === 'auth')) {
        throw error;
      }
      this.tokens.delete(this.key(session.installationId, session.customerId));
      await this.credentials.forgetCustomer(session.installationId, session.customerId);
      const fresh = await this.credentials.customer(session.installationId, session.customerId, {
        fresh: true,
      });
      session.token = fresh.token;
      this.remember(session.installationId, session.customerId, fresh.token);
      return run(session.token, session.organizationId);
    }
  }

  /**
   * Name, username, profile link and the Instagram account written to come later: a slow or
   * failing profile lookup must never hold up the message. Also on every resumed chat, so a
   * customer's details (and those of customers created before a field was added) stay current.
   */
  async syncProfile(installationId: string, conversationId: string): Promise<void> {
    await this.producer.add(
      QueueName.CUSTOMER_PROFILE,
      {
        correlationId: currentCorrelationId() ?? conversationId,
        acceptedAt: Date.now(),
        installationId,
        conversationId,
      },
      { jobId: jobIds.customerProfile(conversationId) },
    );
  }

  private key(installationId: string, customerId: string): string {
    return `${installationId}:${customerId}`;
  }

  private remembered(installationId: string, customerId: string): string | undefined {
    const hit = this.tokens.get(this.key(installationId, customerId));
    return hit && Date.now() - hit.at < TOKEN_MEMORY_MS ? hit.token : undefined;
  }

  private remember(installationId: string, customerId: string, token: string): void {
    if (this.tokens.size >= TOKEN_MEMORY_MAX) {
      this.tokens.clear();
    }
    this.tokens.set(this.key(installationId, customerId), { token, at: Date.now() });
  }
}
