// Object keys whose whole value is a credential, however it is spelled:
// `password`, `client_secret`, `apiKey`, `X-Api-Key`, `authorization`, `refresh_token`.
// Counts and limits (`max_tokens`, `token_count`) do not end in a credential word and stay.
const EXACT = new Set(['authorization', 'proxyauthorization', 'auth', 'cookie', 'setcookie', 'pwd', 'pin', 'cvv', 'cvc', 'otp', 'mfacode', 'credentials']);
const SUFFIXES = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'privatekey', 'accesskey', 'secretkey', 'signingkey', 'sessionid'];

export function isSecretKey(key: string): boolean {
  const compact = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return EXACT.has(compact) || SUFFIXES.some((suffix) => compact.endsWith(suffix));
}
