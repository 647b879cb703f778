import { Injectable } from '@nestjs/common';
import { GroupCommit, MessageLinkRepository } from '@app/persistence';

interface SentPart {
  installationId: string;
  id: string;
  instagramMessageKey: string;
}

/**
 * Sent parts recorded by group commit (GroupCommit): the parts sent while a statement is in
 * flight go together in the next. A job completes only after its own part is in Postgres.
 */
@Injectable()
export class OutboundRecordBatch {
  private readonly commits: GroupCommit<SentPart>;

  constructor(links: MessageLinkRepository) {
    this.commits = new GroupCommit<SentPart>(async (parts) => {
      await links.completeOutboundMany(parts);
      return parts.map(() => undefined);
    });
  }

  complete(installationId: string, id: string, instagramMessageKey: string): Promise<void> {
    return this.commits.submit({ installationId, id, instagramMessageKey });
  }
}
