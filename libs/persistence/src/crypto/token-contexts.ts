/**
 * The additional authenticated data of each encrypted column: a ciphertext only decrypts in the
 * row and column it was made for. Shared by the repositories and the key rotation.
 */
export function installationTokenContext(
  installationId: string,
  kind: 'access' | 'refresh',
): string {
  return `installations:${installationId}:${kind}`;
}

export function pageTokenContext(instagramAccountId: string): string {
  return `instagram_accounts:${instagramAccountId}:page`;
}
