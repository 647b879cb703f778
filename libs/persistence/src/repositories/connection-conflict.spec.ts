import { connectionConflict } from './instagram-account.repository';

describe('connectionConflict: one Instagram account, one way in, one organization', () => {
  const here = '11111111-1111-1111-1111-111111111111';
  const there = '22222222-2222-2222-2222-222222222222';

  it('lets a new account or a reconnect the same way through', () => {
    expect(connectionConflict(null, here, 'instagram')).toBeUndefined();
    expect(
      connectionConflict(
        { installationId: here, loginPath: 'instagram', status: 'needs_reconnect' },
        here,
        'instagram',
      ),
    ).toBeUndefined();
  });

  it('ignores disconnected rows, here or elsewhere', () => {
    for (const installationId of [here, there]) {
      expect(
        connectionConflict(
          { installationId, loginPath: 'facebook', status: 'disconnected' },
          here,
          'instagram',
        ),
      ).toBeUndefined();
    }
  });

  it('refuses the other way in the same organization, naming the way it is connected', () => {
    expect(
      connectionConflict(
        { installationId: here, loginPath: 'facebook', status: 'active' },
        here,
        'instagram',
      ),
    ).toEqual({ installationId: here, loginPath: 'facebook', otherInstallation: false });
    expect(
      connectionConflict(
        { installationId: here, loginPath: 'instagram', status: 'active' },
        here,
        'facebook',
      ),
    ).toEqual({ installationId: here, loginPath: 'instagram', otherInstallation: false });
  });

  it('refuses another organization whichever the way', () => {
    for (const loginPath of ['facebook', 'instagram'] as const) {
      expect(
        connectionConflict(
          { installationId: there, loginPath, status: 'needs_reconnect' },
          here,
          loginPath,
        ),
      ).toEqual({ installationId: there, loginPath, otherInstallation: true });
    }
  });
});
