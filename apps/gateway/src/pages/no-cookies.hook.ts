import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';

/**
 * The product promises no cookies. Nothing of ours sets one; this onSend hook makes it a property
 * of the whole gateway (a library that starts setting one is stripped and logged, not shipped).
 */
@Injectable()
export class NoCookiesHook implements OnModuleInit {
  private readonly logger = new Logger(NoCookiesHook.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const instance = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!instance || typeof instance.addHook !== 'function') {
      return;
    }
    instance.addHook('onSend', (request, reply, payload, done) => {
      if (reply.hasHeader('set-cookie')) {
        void reply.removeHeader('set-cookie');
        this.logger.warn({
          msg: 'Set-Cookie removed: the product uses no cookies',
          path: request.routeOptions.url,
        });
      }
      done(null, payload);
    });
  }
}
