import { DeletionRequestEntity } from '@app/persistence';
import { renderDataDeletionStatus } from './data-deletion-status.view';

function request(overrides: Partial<DeletionRequestEntity>): DeletionRequestEntity {
  return Object.assign(new DeletionRequestEntity(), {
    id: 'id',
    kind: 'meta_data_deletion',
    status: 'pending',
    confirmationCode: 'ABC123',
    instagramAccountId: null,
    instagramMessageId: null,
    facebookUserId: null,
    dueAt: new Date('2030-01-08T00:00:00Z'),
    completedAt: null,
    detail: null,
    createdAt: new Date('2030-01-01T00:00:00Z'),
    updatedAt: new Date('2030-01-01T00:00:00Z'),
    ...overrides,
  });
}

const operator = { name: 'Op <Inc>', contact: 'privacy@example.com' };

describe('renderDataDeletionStatus', () => {
  it('says in plain words that a pending request is in progress, and by when it finishes', () => {
    const html = renderDataDeletionStatus(request({}), operator);
    expect(html).toContain('Status: In progress');
    expect(html).toContain('2030-01-08 00:00 UTC');
    expect(html).toContain('ABC123');
    expect(html).not.toMatch(/<script/i);
  });

  it('shows the outcome of a completed request, escaped', () => {
    const html = renderDataDeletionStatus(
      request({ status: 'done', completedAt: new Date('2030-01-01T00:05:00Z'), detail: 'a <b>' }),
      operator,
    );
    expect(html).toContain('Status: Completed');
    expect(html).toContain('a &lt;b&gt;');
    expect(html).toContain('Op &lt;Inc&gt;');
  });

  it('names the contact when a request could not be completed', () => {
    const html = renderDataDeletionStatus(
      request({ status: 'failed', detail: 'Refused.' }),
      operator,
    );
    expect(html).toContain('Status: Could not be completed');
    expect(html).toContain('privacy@example.com');
  });
});
