import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConnectionSignals, LiveChatCredentialsService } from '@app/credentials';
import { CustomerChatClient } from '@app/livechat-sdk';
import { isMetaGraphError, MetaGraphClient } from '@app/meta-graph';
import {
  ConversationRepository,
  InstagramAccountRepository,
  InstallationRepository,
  LifecycleRepository,
} from '@app/persistence';
import { Metrics } from '@app/platform';
import { CustomerProfileJob, QueueName, runJobs } from '@app/queues';
import { Queue } from 'bull';

/**
 * Names the LiveChat customer after the Instagram user (name → username → id) and adds session
 * fields: which of the installation's Instagram accounts the customer wrote to
 * (`instagram_account`), and the customer's username and profile link. Separate from the message so that a profile Meta will not
 * share (no consent yet, Meta's review bot, a blocked user) never delays or loses a message.
 * The avatar is left out on purpose: Instagram's profile picture URLs expire within days.
 */
@Injectable()
export class CustomerProfileProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(CustomerProfileProcessor.name);

  constructor(
    @InjectQueue(QueueName.CUSTOMER_PROFILE) private readonly queue: Queue<CustomerProfileJob>,
    private readonly conversations: ConversationRepository,
    private readonly accounts: InstagramAccountRepository,
    private readonly installations: InstallationRepository,
    private readonly credentials: LiveChatCredentialsService,
    private readonly chats: CustomerChatClient,
    private readonly graph: MetaGraphClient,
    private readonly metrics: Metrics,
    private readonly signals: ConnectionSignals,
    private readonly lifecycle: LifecycleRepository,
  ) {}

  onApplicationBootstrap(): void {
    runJobs(
      {
        queue: this.queue,
        name: QueueName.CUSTOMER_PROFILE,
        // Two platform calls per profile (Graph, then LiveChat): at 150 ms a call, 4 slots fetched
        // about 13 profiles/s and fell behind a burst of new customers (measured: 360 queued).
        concurrency: 32,
        metrics: this.metrics,
        logger: this.logger,
      },
      (job) => this.handle(job.data),
    );
  }

  async handle(data: CustomerProfileJob): Promise<string> {
    const conversation = await this.conversations.findById(
      data.installationId,
      data.conversationId,
    );
    const installation = await this.installations.findById(data.installationId);
    if (
      !conversation?.livechatCustomerId ||
      !installation ||
      installation.status === 'uninstalled'
    ) {
      return 'skipped';
    }
    const account = await this.accounts.findForInstallation(
      data.installationId,
      conversation.instagramAccountId,
    );
    const pageToken = account ? this.accounts.pageTokenOf(account) : null;
    let name = conversation.igsid;
    const sessionFields: Record<string, string> = { instagram_id: conversation.igsid };
    if (account) {
      // An agent serving several accounts sees which one the customer wrote to.
      sessionFields.instagram_account = account.username
        ? `@${account.username}`
        : (account.name ?? account.instagramAccountId);
    }
    if (pageToken) {
      try {
        const profile = await this.graph
          .forLogin(account?.loginPath ?? 'facebook')
          .getUserProfile(pageToken, conversation.igsid);
        name = profile.name || (profile.username ? `@${profile.username}` : conversation.igsid);
        if (profile.username) {
          sessionFields.instagram_username = `@${profile.username}`;
          sessionFields.instagram_profile = `https://instagram.com/${profile.username}`;
        }
      } catch (error) {
        // Consent not given yet, Meta's review bot, a blocked user: keep the fallback name.
        if (
          !isMetaGraphError(error) ||
          error.kind === 'retryable' ||
          error.kind === 'rate-limited'
        ) {
          throw error;
        }
        if (error.kind === 'auth') {
          // The Page token itself is refused: the account needs reconnecting, now.
          await this.lifecycle.markNeedsReconnect(
            data.installationId,
            conversation.instagramAccountId,
            error.reason === 'permission-missing'
              ? 'A permission was removed: reconnect the account.'
              : 'The Instagram connection expired or was revoked: reconnect the account.',
          );
          await this.signals.changed();
        }
        this.logger.log({
          msg: 'instagram profile not available; using the fallback name',
          conversationId: conversation.id,
          reason: error.reason,
        });
      }
    }
    await this.credentials.asCustomer(
      data.installationId,
      conversation.livechatCustomerId,
      (token) =>
        this.chats.updateCustomer(token, installation.organizationId, { name, sessionFields }),
    );
    await this.conversations.update(data.installationId, conversation.id, {
      profileSyncedAt: new Date(),
    });
    return 'completed';
  }
}
