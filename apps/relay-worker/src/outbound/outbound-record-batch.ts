import { Injectable } from '@nestjs/common';
import { MessageLinkRepository } from '@app/persistence';

interface Pending {
  installationId: string;
  id: string;
  instagramMessageKey: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of sent parts: one statement in flight at a time, and the parts recorded while it
 * runs go together in the next. Under load a statement carries many parts (fewer round trips and
 * Postgres executions per message); alone, a part is recorded at once. Each caller resolves only
 * once its own part is in Postgres, so a job completes after its record, as with one statement
 * per part; a failed statement fails every part it carried (their jobs retry; see claim step).
 */
@Injectable()
export class OutboundRecordBatch {
  private queued: Pending[] = [];
  private flushing = false;

  constructor(private readonly links: MessageLinkRepository) {}

  complete(installationId: string, id: string, instagramMessageKey: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ installationId, id, instagramMessageKey, resolve, reject });
      if (!this.flushing) {
        void this.flush();
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queued.length > 0) {
        const batch = this.queued;
        this.queued = [];
        try {
          await this.links.completeOutboundMany(batch);
          batch.forEach((part) => part.resolve());
        } catch (error) {
          batch.forEach((part) => part.reject(error));
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
