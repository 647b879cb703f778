import { Module } from '@nestjs/common';
import { OrderedRelayJobs } from '../ordering/ordered-relay-jobs';
import { InboundModule } from '../inbound/inbound.module';
import { AgentNoticeService } from './agent-notice.service';
import { LiveChatInboundProcessor } from './livechat-inbound.processor';
import { OutboundRelayService } from './outbound-relay.service';
import { SendRateLimiter } from './send-rate-limiter';

@Module({
  imports: [InboundModule],
  providers: [
    OrderedRelayJobs,
    AgentNoticeService,
    OutboundRelayService,
    LiveChatInboundProcessor,
    SendRateLimiter,
  ],
})
export class OutboundModule {}
