import {
  applyDecorators,
  ArgumentsHost,
  CallHandler,
  Catch,
  ExecutionContext,
  HttpException,
  Injectable,
  NestInterceptor,
  SetMetadata,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { Metrics } from '@app/platform';
import { catchError, map, Observable, throwError } from 'rxjs';

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
 * Counts what a webhook handler answered (`igl_webhooks_received_total{source,outcome}`) and
 * unwraps the answer into its response body; stamps the route's source on a refusal the handler
 * throws, for WebhookRefusalFilter to count.
 */
@Injectable()
export class WebhookMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: Metrics) {}

  intercept(
    context: ExecutionContext,
    next: CallHandler<WebhookAnswer<unknown>>,
  ): Observable<unknown> {
    const source = webhookSourceOf(context) ?? 'unknown';
    return next.handle().pipe(
      map((answer) => {
        this.metrics.webhooksReceived.inc({ source, outcome: answer.outcome });
        return answer.body;
      }),
      catchError((error: unknown) => {
        if (error instanceof WebhookRefusal) {
          error.at(context);
        }
        return throwError(() => error);
      }),
    );
  }
}

/**
 * Counts a refused webhook, then answers as Nest's default handler does. Guards run before any
 * interceptor, so their refusals are counted here rather than in WebhookMetricsInterceptor.
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

/** A webhook route: its answers and refusals are counted under `source`. */
export function WebhookMetrics(source: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(WEBHOOK_SOURCE, source),
    UseInterceptors(WebhookMetricsInterceptor),
    UseFilters(WebhookRefusalFilter),
  );
}
