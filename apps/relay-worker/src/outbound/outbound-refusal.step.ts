import { Injectable, Logger } from '@nestjs/common';
import { accountHolder, ConnectionSignals, heldFor, holderOf, RelayError } from '@app/credentials';
import { MetaGraphError } from '@app/meta-graph';
import { InstagramAccountRepository } from '@app/persistence';
import { AgentNoticeService, NoticeKey, noticeText } from './agent-notice.service';
import { OutboundOutcome, OutboundTarget } from './outbound-pipeline.types';
import { PageTokenCache } from './page-token-cache';

/** Meta reasons after which the agent is told at once and nothing is retried. */
const NOTICE_FOR_REASON: Partial<Record<MetaGraphError['reason'], NoticeKey>> = {
  'window-closed': 'window-closed',
  'user-unavailable': 'user-unavailable',
  'token-invalid': 'token-invalid',
  'permission-missing': 'permission-missing',
  'attachment-failed': 'attachment-failed',
  'invalid-parameter': 'invalid-parameter',
  'policy-blocked': 'policy-blocked',
};

/**
 * Meta refused a reply for good, and the agent was told: the job fails (visible in Bull Board with
 * Meta's reason and codes, never the reply) instead of completing as if it had been sent.
 */
export class RefusedByMetaError extends RelayError {
  constructor(cause: MetaGraphError) {
    super(
      'permanent',
      `Meta refused the reply: ${cause.reason} (status ${cause.status ?? '-'}, code ${cause.code ?? '-'}, subcode ${cause.subcode ?? '-'})`,
      `meta_${cause.reason}`,
    );
  }
}

/**
 * A reply that does not go: the agent hears why in the chat (once per event and reason), a
 * reply for an account that needs reconnecting is held in order, and Meta's failures are sorted
 * into told-and-failed (permanent), held (auth) and retried (the rest).
 */
@Injectable()
export class OutboundRefusalStep {
  private readonly logger = new Logger(OutboundRefusalStep.name);

  constructor(
    private readonly notices: AgentNoticeService,
    private readonly accounts: InstagramAccountRepository,
    private readonly signals: ConnectionSignals,
    private readonly pageTokens: PageTokenCache,
  ) {}

  /** Tells the agent that this event's reply was not sent, and why. */
  async refuse(target: OutboundTarget, eventId: string, reason: NoticeKey): Promise<'refused'> {
    if (reason === 'disconnected') {
      this.pageTokens.forget(target.account.id);
    }
    await this.notices.tell(
      target.installation,
      target.conversation,
      `${eventId}:${reason}`,
      noticeText(reason),
    );
    return 'refused';
  }

  /** Permanent and auth failures: the agent hears why, now; retryable ones go back to the queue. */
  async onMetaFailure(
    target: OutboundTarget,
    eventId: string,
    error: MetaGraphError,
  ): Promise<OutboundOutcome> {
    const notice = NOTICE_FOR_REASON[error.reason];
    if (error.kind === 'auth') {
      this.pageTokens.forget(target.account.id);
      await this.accounts.setStatus(
        target.installation.id,
        target.account.id,
        'needs_reconnect',
        notice === 'permission-missing'
          ? 'A permission was removed: reconnect the account.'
          : 'The Instagram connection expired or was revoked: reconnect the account.',
      );
      await this.signals.changed();
      this.logger.warn({
        msg: 'instagram account needs reconnecting; replies held',
        reason: error.reason,
        code: error.code,
        subcode: error.subcode,
        accountId: target.account.id,
      });
      return this.holdForReconnect(target);
    }
    if (error.kind === 'permanent') {
      if (notice) {
        this.logger.warn({
          msg: 'reply not deliverable',
          reason: error.reason,
          code: error.code,
          subcode: error.subcode,
          eventId,
        });
      }
      await this.refuse(target, eventId, notice ?? 'invalid-parameter');
      throw new RefusedByMetaError(error);
    }
    throw error;
  }

  /**
   * The account needs reconnecting: the reply waits (in order, with the chat's later replies
   * behind it) until an admin reconnects, and the chat's agents are told once, not per reply.
   */
  async holdForReconnect(target: OutboundTarget): Promise<never> {
    const { installation, conversation, account } = target;
    const holder = accountHolder(account.id);
    const episode = await this.signals.firstTime(holder, conversation.id);
    if (episode) {
      try {
        await this.notices.tell(
          installation,
          conversation,
          `${conversation.id}:held-reconnect:${episode}`,
          noticeText('held-reconnect'),
        );
      } catch (error) {
        await this.signals.forgetFirstTime(holder, conversation.id, episode);
        throw error;
      }
    }
    throw heldFor(
      new RelayError(
        'auth',
        'the Instagram account needs to be reconnected',
        'account_needs_reconnect',
      ),
      holder,
    );
  }

  /** Retries ran out: the agent must not be left believing the reply went out. */
  async gaveUp(target: OutboundTarget, eventId: string, error?: Error): Promise<void> {
    if (error instanceof RefusedByMetaError) {
      return; // the agent was told why already
    }
    // One notice per event however it ended (keyed `gave-up` either way).
    await this.notices.tell(
      target.installation,
      target.conversation,
      `${eventId}:gave-up`,
      noticeText(holderOf(error) ? 'held-expired' : 'gave-up'),
    );
  }
}
