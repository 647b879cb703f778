import { Module } from '@nestjs/common';
import { OrderedRelayJobs } from '../ordering/ordered-relay-jobs';
import { CustomerProfileProcessor } from './customer-profile.processor';
import { EchoEvidenceService } from './echo-evidence.service';
import { InboundRelayService } from './inbound-relay.service';
import { InstagramInboundProcessor } from './instagram-inbound.processor';
import { InstagramMediaService } from './instagram-media.service';
import { LastRelayedThrottle } from './last-relayed-throttle';
import { OutboundSendMarker } from './outbound-send-marker';
import { OwnChatRegistry } from './own-chat-registry.service';

@Module({
  providers: [
    OrderedRelayJobs,
    InboundRelayService,
    InstagramInboundProcessor,
    InstagramMediaService,
    CustomerProfileProcessor,
    OutboundSendMarker,
    EchoEvidenceService,
    LastRelayedThrottle,
    OwnChatRegistry,
  ],
  exports: [OutboundSendMarker, EchoEvidenceService, LastRelayedThrottle],
})
export class InboundModule {}
