import { ChatEvent } from '@app/livechat-sdk';
import { ConversationEntity, InstagramAccountEntity, InstallationEntity } from '@app/persistence';
import { OutboundTarget } from './outbound-pipeline.types';
import { OutboundRenderStep } from './outbound-render.step';

const HOUR = 3_600_000;
const now = Date.now();

function target(
  overrides: {
    account?: Partial<InstagramAccountEntity>;
    conversation?: Partial<ConversationEntity>;
    installation?: Partial<InstallationEntity>;
  } = {},
): OutboundTarget {
  return {
    installation: Object.assign(new InstallationEntity(), {
      id: 'inst-1',
      humanAgentEnabled: false,
      status: 'active',
      ...overrides.installation,
    }),
    conversation: Object.assign(new ConversationEntity(), {
      id: 'conv-1',
      igsid: 'u1',
      livechatCustomerId: 'customer-1',
      chatId: 'chat-1',
      lastInboundAt: new Date(now - HOUR),
      ...overrides.conversation,
    }),
    account: Object.assign(new InstagramAccountEntity(), {
      id: 'acc-1',
      status: 'active',
      ...overrides.account,
    }),
  };
}

const reply = (extra: Partial<ChatEvent> = {}): ChatEvent => ({
  id: 'ev-1',
  type: 'message',
  visibility: 'all',
  authorId: 'agent@example.com',
  text: 'hello there',
  ...extra,
});

describe('OutboundRenderStep (alone)', () => {
  const step = new OutboundRenderStep();

  it("renders an agent's reply within the window as parts sent as a response", () => {
    expect(step.render(target(), reply(), now)).toEqual({
      send: true,
      parts: [{ kind: 'text', text: 'hello there' }],
      tagging: { messagingType: 'RESPONSE' },
    });
  });

  it("never relays the customer's own events, our relayed items, our notices or internal notes", () => {
    for (const event of [
      reply({ authorId: 'customer-1' }),
      reply({ customId: 'ig:m:mid-1' }),
      reply({ customId: 'igl-notice:ev-0:gave-up' }),
      reply({ visibility: 'agents' }),
      reply({ type: 'system_message' }),
    ]) {
      expect(step.render(target(), event, now)).toEqual({
        send: false,
        outcome: 'not-an-agent-reply',
      });
    }
  });

  it('ignores an event with nothing to send', () => {
    expect(step.render(target(), reply({ type: 'file', text: undefined }), now)).toEqual({
      send: false,
      outcome: 'ignored',
    });
  });

  it('refuses for a disconnected account and holds for one that needs reconnecting', () => {
    expect(step.render(target({ account: { status: 'disconnected' } }), reply(), now)).toEqual({
      send: false,
      refuse: 'disconnected',
    });
    expect(step.render(target({ account: { status: 'needs_reconnect' } }), reply(), now)).toEqual({
      send: false,
      hold: true,
    });
  });

  it('tags a late reply HUMAN_AGENT only when enabled and written by a person', () => {
    const late = { conversation: { lastInboundAt: new Date(now - 72 * HOUR) } };
    expect(
      step.render(target({ ...late, installation: { humanAgentEnabled: true } }), reply(), now),
    ).toMatchObject({ send: true, tagging: { messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' } });
    expect(step.render(target(late), reply(), now)).toEqual({
      send: false,
      refuse: 'human-agent-off',
    });
    expect(
      step.render(
        target({ ...late, installation: { humanAgentEnabled: true } }),
        reply({ authorId: '5c9871d5372c824cbf22d860a707a578' }),
        now,
      ),
    ).toEqual({ send: false, refuse: 'bot-after-24h' });
  });
});
