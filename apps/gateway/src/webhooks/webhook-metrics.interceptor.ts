import {
  ArgumentsHost,
  Catch,
  ExecutionContext,
  HttpException,
  SetMetadata,
  UseFilters,
} from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { Metrics } from '@app/platform';

const WEBHOOK_SOURCE = 'webhook-source';

/** What a webhook handler answers: the outcome it is counted under, and the response body. */
export interface WebhookAnswer<T> {
  outcome: string;
  body: T;
}

export function webhookAnswer<T>(outcome: string, body: T): WebhookAnswer<T> {
  return { outcome, body };
}

/**
 * A refused webhook: the HTTP answer of `refusal` (same status and body), counted under
 * `outcome`. Whoever refuses names only the outcome; the source is the route's
 * (`@WebhookMetrics`), stamped by the guard or the interceptor that sees the refusal.
 */
export class WebhookRefusal extends HttpException {
  source: string | undefined;

  constructor(
    readonly outcome: string,
    refusal: HttpException,
  ) {
    super(refusal.getResponse(), refusal.getStatus());
  }

  /** Stamps the source of the route `context` is for (guards call this as they refuse). */
  at(context: ExecutionContext): this {
    this.source ??= webhookSourceOf(context);
    return this;
  }
}

export function webhookSourceOf(context: ExecutionContext): string | undefined {
  const source: unknown =
    Reflect.getMetadata(WEBHOOK_SOURCE, context.getHandler()) ??
    Reflect.getMetadata(WEBHOOK_SOURCE, context.getClass());
  return typeof source === 'string' ? source : undefined;
}

/**
 * Counts a refused webhook, then answers as Nest's default handler does. Guards run before the
 * handler, so their refusals are counted here rather than by `@WebhookMetrics`'s wrapper.
 */
@Catch()
export class WebhookRefusalFilter extends BaseExceptionFilter {
  constructor(private readonly metrics: Metrics) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof WebhookRefusal && exception.source !== undefined) {
      this.metrics.webhooksReceived.inc({ source: exception.source, outcome: exception.outcome });
    }
    super.catch(exception, host);
  }
}

/** What a controller with `@WebhookMetrics` routes holds: the app's metrics, where they count. */
export interface CountsWebhooks {
  readonly metrics: Metrics;
}

type WebhookHandler = (
  ...args: unknown[]
) => WebhookAnswer<unknown> | Promise<WebhookAnswer<unknown>>;

/**
 * A webhook route: its answers and refusals are counted under `source`
 * (`igl_webhooks_received_total{source,outcome}`), and the answer is unwrapped into its response
 * body. The handler is wrapped in place rather than given a Nest interceptor: an interceptor
 * costs every request an rxjs pipeline and two AsyncResource.bind calls (about a tenth of the
 * gateway's CPU per webhook). Refusals thrown by the handler get the source stamped; those of
 * guards (which run before it) are stamped by the guard and counted by WebhookRefusalFilter.
 */
export function WebhookMetrics(source: string) {
  return <
    T extends CountsWebhooks,
    F extends (...args: never[]) => WebhookAnswer<unknown> | Promise<WebhookAnswer<unknown>>,
  >(
    target: T,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<F>,
  ): void => {
    const handler = descriptor.value as WebhookHandler | undefined;
    if (!handler) {
      throw new Error('@WebhookMetrics goes on a route handler method');
    }
    const stamp = (error: unknown): never => {
      if (error instanceof WebhookRefusal) {
        error.source ??= source;
      }
      throw error;
    };
    const counted = function (this: CountsWebhooks, ...args: unknown[]): unknown {
      const count = (answer: WebhookAnswer<unknown>): unknown => {
        this.metrics.webhooksReceived.inc({ source, outcome: answer.outcome });
        return answer.body;
      };
      let answer: WebhookAnswer<unknown> | Promise<WebhookAnswer<unknown>>;
      try {
        answer = handler.apply(this, args);
      } catch (error) {
        return stamp(error);
      }
      return answer instanceof Promise ? answer.then(count, stamp) : count(answer);
    };
    // Metadata that decorators nearer the method set on it (route, guards) moves to the wrapper.
    for (const metadataKey of Reflect.getOwnMetadataKeys(handler)) {
      Reflect.defineMetadata(metadataKey, Reflect.getOwnMetadata(metadataKey, handler), counted);
    }
    Object.defineProperty(counted, 'name', { value: handler.name });
    descriptor.value = counted as unknown as F;
    SetMetadata(WEBHOOK_SOURCE, source)(target, key, descriptor);
    UseFilters(WebhookRefusalFilter)(target, key, descriptor);
  };
}
