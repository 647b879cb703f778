import { Module } from '@nestjs/common';
import { AdminFlowMetrics } from './admin-flow.metrics';
import { NoCookiesHook } from './no-cookies.hook';

/** What the admin-facing features share: flow metrics and the gateway-wide no-cookie rule. */
@Module({ providers: [AdminFlowMetrics, NoCookiesHook], exports: [AdminFlowMetrics] })
export class PagesModule {}
