import { Module } from '@nestjs/common';
import { OrderedRelayJobs } from '../ordering/ordered-relay-jobs';
import { InboundModule } from '../inbound/inbound.module';
import { AgentNoticeService } from './agent-notice.service';
import { LiveChatInboundProcessor } from './livechat-inbound.processor';
import { OutboundClaimStep } from './outbound-claim.step';
import { OutboundDeliverStep } from './outbound-deliver.step';
import { OutboundRecordBatch } from './outbound-record-batch';
import { OutboundRecordStep } from './outbound-record.step';
import { OutboundRefusalStep } from './outbound-refusal.step';
import { OutboundRelayService } from './outbound-relay.service';
import { OutboundRenderStep } from './outbound-render.step';
import { OutboundResolveStep } from './outbound-resolve.step';
import { OutboundSeenStep } from './outbound-seen.step';
import { PageTokenCache } from './page-token-cache';
import { SendRateLimiter } from './send-rate-limiter';

@Module({
  imports: [InboundModule],
  providers: [
    OrderedRelayJobs,
    AgentNoticeService,
    PageTokenCache,
    OutboundResolveStep,
    OutboundRenderStep,
    OutboundClaimStep,
    OutboundDeliverStep,
    OutboundRecordBatch,
    OutboundRecordStep,
    OutboundRefusalStep,
    OutboundSeenStep,
    OutboundRelayService,
    LiveChatInboundProcessor,
    SendRateLimiter,
  ],
})
export class OutboundModule {}
