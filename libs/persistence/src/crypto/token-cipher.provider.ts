/** DI token for the TokenCipher instance (built from TOKEN_ENCRYPTION_KEY by the app). */
export const TOKEN_CIPHER = Symbol('TOKEN_CIPHER');
