import { Module } from '@nestjs/common';
import { OrderedRelayJobs } from '../ordering/ordered-relay-jobs';
import { CustomerProfileProcessor } from './customer-profile.processor';
import { CustomerSessions } from './customer-session.service';
import { InboundClaimStep } from './inbound-claim.step';
import { InboundDeliverStep } from './inbound-deliver.step';
import { InboundEchoStep } from './inbound-echo.step';
import { InboundRecordBatch } from './inbound-record-batch';
import { InboundRecordStep } from './inbound-record.step';
import { InboundRelayService } from './inbound-relay.service';
import { InboundRenderStep } from './inbound-render.step';
import { InboundResolveStep } from './inbound-resolve.step';
import { InboundSeenStep } from './inbound-seen.step';
import { InstagramInboundProcessor } from './instagram-inbound.processor';
import { InstagramMediaService } from './instagram-media.service';
import { LastRelayedThrottle } from './last-relayed-throttle';
import { OutboundSendMarker } from './outbound-send-marker';
import { OwnChatRegistry } from './own-chat-registry.service';

@Module({
  providers: [
    OrderedRelayJobs,
    InboundRelayService,
    InboundResolveStep,
    InboundEchoStep,
    InboundSeenStep,
    InboundClaimStep,
    CustomerSessions,
    InboundRenderStep,
    InboundDeliverStep,
    InboundRecordBatch,
    InboundRecordStep,
    InstagramInboundProcessor,
    InstagramMediaService,
    CustomerProfileProcessor,
    OutboundSendMarker,
    LastRelayedThrottle,
    OwnChatRegistry,
  ],
  exports: [OutboundSendMarker, LastRelayedThrottle],
})
export class InboundModule {}
