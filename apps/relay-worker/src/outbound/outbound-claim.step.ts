import { Injectable, Logger } from '@nestjs/common';
import { EchoEvidenceService } from '@app/credentials';
import {
  GroupCommit,
  MessageLinkEntity,
  MessageLinkRepository,
  OutboundClaimKey,
} from '@app/persistence';
import { DeferJobError, itemKeys } from '@app/queues';
import { RelayWorkerEnv } from '../config/relay-worker.env';
import { OutboundPart } from './outbound-parts.util';
import { OutboundTarget } from './outbound-pipeline.types';

/** How long a retry waits for the echo of an uncertain send before sending again. */
const ECHO_WAIT_MS = 15_000;

/**
 * The longest a retry waits for echoes still queued (a backlog, or an echo job held): as long as
 * echo evidence is kept (EchoEvidenceService), so a stuck lane cannot hold a chat's replies forever.
 */
const ECHO_BACKLOG_WAIT_MS = 10 * 60_000;

/**
 * A part's claim: `send` (ours to send now), `sent-before` (an earlier delivery or attempt sent
 * and recorded it) or `settled-by-echo` (an uncertain earlier send was confirmed by its echo now).
 */
export interface OutboundClaim {
  link: MessageLinkEntity;
  status: 'send' | 'sent-before' | 'settled-by-echo';
}

/**
 * Claim: each part of an agent's event is sent at most once. The claim (per LiveChat event and
 * part, a unique row) is taken before sending; a claim left pending by an earlier attempt (a
 * crash, or a timeout after Meta may have taken the message) is settled by the echo of that send
 * when it arrives, and sent again only once the echo has had time to arrive and did not. Claims
 * asked for while one is in flight go together in the next statement (GroupCommit).
 */
@Injectable()
export class OutboundClaimStep {
  private readonly logger = new Logger(OutboundClaimStep.name);
  private readonly commits: GroupCommit<
    OutboundClaimKey,
    { link: MessageLinkEntity; created: boolean }
  >;

  constructor(
    private readonly links: MessageLinkRepository,
    private readonly echoes: EchoEvidenceService,
    private readonly env: RelayWorkerEnv,
  ) {
    this.commits = new GroupCommit((keys) => links.claimOutboundMany(keys));
  }

  async claim(
    target: OutboundTarget,
    eventId: string,
    index: number,
    part: OutboundPart,
  ): Promise<OutboundClaim> {
    const { installation, conversation, account } = target;
    const { link, created } = await this.commits.submit({
      installationId: installation.id,
      instagramAccountId: account.id,
      conversationId: conversation.id,
      livechatChatId: conversation.chatId ?? '',
      livechatEventId: eventId,
      part: index,
    });
    if (link.state === 'done') {
      return { link, status: 'sent-before' };
    }
    if (!created && (await this.settledByEcho(target, link, part))) {
      return { link, status: 'settled-by-echo' };
    }
    return { link, status: 'send' };
  }

  /**
   * A pending claim of an earlier attempt: if the echo of that send arrived, record it instead of
   * sending twice; give the echo a little time to arrive before concluding the send never
   * happened (the job is deferred meanwhile, keeping the chat's order).
   */
  private async settledByEcho(
    target: OutboundTarget,
    link: MessageLinkEntity,
    part: OutboundPart,
  ): Promise<boolean> {
    const { installation, conversation, account } = target;
    const fp = this.echoes.fingerprint(
      part.kind === 'text'
        ? { kind: 'text', text: part.text }
        : { kind: 'attachment', type: part.type },
    );
    // The gateway records our echoes before it answers Meta, so evidence is there as soon as
    // Meta sent it. Echo jobs an older gateway queued (a rolling deploy) are recorded only when a
    // worker reaches them, which under load no clock bounds: while such echoes to this user are
    // queued, one of them may be the evidence. Asked before the evidence is read, so that an echo
    // recorded in between is found rather than missed.
    const waited = Date.now() - link.createdAt.getTime();
    const echoesQueued =
      waited >= ECHO_WAIT_MS + this.env.QUEUE_LOCK_DURATION_MS &&
      (await this.echoes.queued(account.instagramAccountId, conversation.igsid));
    const candidates = await this.echoes.find(
      account.instagramAccountId,
      conversation.igsid,
      fp,
      link.createdAt.getTime() - 1_000,
    );
    const taken = await this.links.linkedMessageIds(
      installation.id,
      account.id,
      candidates.map((mid) => itemKeys.message(mid)),
    );
    const mid = candidates.find((candidate) => !taken.has(itemKeys.message(candidate)));
    if (mid) {
      await this.links.completeOutbound(installation.id, link.id, itemKeys.message(mid));
      this.logger.log({
        msg: 'an uncertain send was confirmed by its echo; not sent again',
        eventId: link.livechatEventId,
        part: link.part,
      });
      return true;
    }
    if (waited < ECHO_WAIT_MS + this.env.QUEUE_LOCK_DURATION_MS) {
      throw new DeferJobError(
        1_000,
        'waiting for the echo of a reply that may already have reached Instagram',
      );
    }
    if (echoesQueued) {
      if (waited < ECHO_BACKLOG_WAIT_MS) {
        throw new DeferJobError(1_000, 'the echoes to this user are not all recorded yet');
      }
      this.logger.warn({
        msg: 'echoes to this user still queued after the longest wait; sending again',
        eventId: link.livechatEventId,
        part: link.part,
      });
    }
    return false;
  }
}
