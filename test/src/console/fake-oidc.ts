import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal OpenID Connect provider for tests: discovery, an authorize endpoint
 * that signs in `nextLogin` at once, a token endpoint checking PKCE and the client
 * secret, and RS256 id tokens carrying the request's nonce.
 */
export interface FakeOidc {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who the next authorization signs in. */
  /** `emailVerified` undefined: the claim is left out, as some providers do. */
  nextLogin: { email: string; emailVerified: boolean | undefined };
  close(): Promise<void>;
}

export async function startFakeOidc(): Promise<FakeOidc> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const grants = new Map<string, { nonce?: string; challenge?: string; email: string; emailVerified: boolean | undefined }>();
  const provider: FakeOidc = {
    issuer: '',
    clientId: 'airlock-console',
    clientSecret: randomBytes(16).toString('hex'),
    nextLogin: { email: '', emailVerified: true },
    close: () => Promise.resolve(),
  };

  const sign = (claims: Record<string, unknown>) => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })}.${part(claims)}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', provider.issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: provider.issuer,
        authorization_endpoint: `${provider.issuer}/authorize`,
        token_endpoint: `${provider.issuer}/token`,
        jwks_uri: `${provider.issuer}/jwks`,
        // Auth.js insists on one, though it reads the id token's claims.
        userinfo_endpoint: `${provider.issuer}/userinfo`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/userinfo')
      return json(200, { sub: `sub-${provider.nextLogin.email}`, email: provider.nextLogin.email, email_verified: provider.nextLogin.emailVerified });
    if (url.pathname === '/authorize') {
      const code = randomBytes(16).toString('hex');
      grants.set(code, { nonce: url.searchParams.get('nonce') ?? undefined, challenge: url.searchParams.get('code_challenge') ?? undefined, ...provider.nextLogin });
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      back.searchParams.set('iss', provider.issuer);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      void readForm(req).then((form) => {
        const grant = grants.get(form.get('code') ?? '');
        const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
        const [id, secret] = basic ? basic.split(':').map(decodeURIComponent) : [form.get('client_id'), form.get('client_secret')];
        if (id !== provider.clientId || secret !== provider.clientSecret) return json(401, { error: 'invalid_client' });
        const verifier = form.get('code_verifier') ?? '';
        if (!grant || (grant.challenge && createHash('sha256').update(verifier).digest('base64url') !== grant.challenge)) return json(400, { error: 'invalid_grant' });
        grants.delete(form.get('code') ?? '');
        const now = Math.floor(Date.now() / 1000);
        const idToken = sign({
          iss: provider.issuer,
          sub: `sub-${grant.email}`,
          aud: provider.clientId,
          iat: now,
          exp: now + 300,
          ...(grant.nonce ? { nonce: grant.nonce } : {}),
          email: grant.email,
          email_verified: grant.emailVerified,
          name: grant.email,
        });
        json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider.close = () => new Promise((resolve) => server.close(() => resolve()));
  return provider;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}
