import {
  BadRequestException,
  CanActivate,
  Controller,
  ExecutionContext,
  Injectable,
  Post,
  Query,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Metrics } from '@app/platform';
import {
  webhookAnswer,
  WebhookAnswer,
  WebhookMetrics,
  WebhookRefusal,
} from './webhook-metrics.interceptor';

/** Refuses unless `?key=ok`, as the real signature guards do. */
@Injectable()
class KeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const query = context.switchToHttp().getRequest<{ query: { key?: string } }>().query;
    if (query.key === 'ok') {
      return true;
    }
    throw new WebhookRefusal('bad_key', new UnauthorizedException('key does not match')).at(
      context,
    );
  }
}

@Controller('hook')
class HookController {
  constructor(readonly metrics: Metrics) {}

  @Post()
  @UseGuards(KeyGuard)
  @WebhookMetrics('test-source')
  receive(@Query('body') body: string | undefined): WebhookAnswer<{ status: string }> {
    if (body === 'bad') {
      throw new WebhookRefusal('malformed', new BadRequestException('malformed webhook: bad'));
    }
    if (body === 'boom') {
      throw new Error('not a refusal');
    }
    return webhookAnswer('accepted', { status: 'queued' });
  }
}

describe('WebhookMetrics', () => {
  let app: NestFastifyApplication;
  const metrics = new Metrics('gateway');

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [HookController],
      providers: [{ provide: Metrics, useValue: metrics }, KeyGuard],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app.close();
  });

  async function count(outcome: string): Promise<number> {
    const metric = await metrics.webhooksReceived.get();
    return (
      metric.values.find((v) => v.labels.source === 'test-source' && v.labels.outcome === outcome)
        ?.value ?? 0
    );
  }

  it('answers with the body of an answer and counts its outcome', async () => {
    const res = await app.inject({ method: 'POST', url: '/hook?key=ok' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ status: 'queued' });
    expect(await count('accepted')).toBe(1);
  });

  it("counts a guard's refusal (guards run before interceptors) and answers as Nest would", async () => {
    const res = await app.inject({ method: 'POST', url: '/hook?key=no' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'key does not match',
    });
    expect(await count('bad_key')).toBe(1);
  });

  it("counts the handler's refusal under the route's source", async () => {
    const res = await app.inject({ method: 'POST', url: '/hook?key=ok&body=bad' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, message: 'malformed webhook: bad' });
    expect(await count('malformed')).toBe(1);
  });

  it('counts nothing for an unexpected error, which stays a 500', async () => {
    const before = (await metrics.webhooksReceived.get()).values.length;
    const res = await app.inject({ method: 'POST', url: '/hook?key=ok&body=boom' });
    expect(res.statusCode).toBe(500);
    expect((await metrics.webhooksReceived.get()).values.length).toBe(before);
  });
});
