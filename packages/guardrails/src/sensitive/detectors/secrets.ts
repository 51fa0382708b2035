import { decodeBase64, decodeUtf8 } from '../../text/base64.js';
import { REDACTION_PREFIX } from '../marker.js';
import type { Detector } from '../types.js';

function prefixed(name: string, pattern: RegExp, mayOccur: (text: string) => boolean): Detector {
  return {
    kind: 'secret',
    name,
    mayOccur,
    *find(text) {
      for (const match of text.matchAll(pattern)) yield { start: match.index, end: match.index + match[0].length };
    },
  };
}

// Credentials with a recognisable prefix. Each needs a boundary before it so
// "xghp_..." inside a longer word is not split.
// The preconditions name a literal each pattern needs (and the shortest match it allows).
export const awsAccessKeyId = prefixed(
  'aws_access_key_id',
  /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  (text) => text.length >= 20 && (text.includes('AKIA') || text.includes('ASIA') || text.includes('ABIA') || text.includes('ACCA')),
);
export const githubToken = prefixed(
  'github_token',
  /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])/g,
  (text) => text.length >= 33 && text.includes('_'),
);
export const slackToken = prefixed('slack_token', /(?<![A-Za-z0-9])xox[abprs]-[A-Za-z0-9-]{10,}/g, (text) => text.includes('xox'));
export const stripeKey = prefixed('stripe_live_key', /(?<![A-Za-z0-9_])(?:sk|rk)_live_[A-Za-z0-9]{16,}/g, (text) => text.includes('_live_'));
export const airlockApiKey = prefixed('airlock_api_key', /(?<![A-Za-z0-9_])alk_[A-Za-z0-9_-]{32,}/g, (text) => text.includes('alk_'));
export const privateKeyBlock = prefixed(
  'pem_private_key',
  // A block cut short (no END line) is redacted up to where its base64 body stops.
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|[A-Za-z0-9+/=\s:,-]*)/g,
  (text) => text.includes('-----BEGIN '),
);

const JWT_CANDIDATE = /(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{10,})\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;

/** JSON Web Tokens: three base64url parts whose header decodes to a JSON object with `alg`. */
export const jwt: Detector = {
  kind: 'secret',
  name: 'jwt',
  // A candidate is at least 10 characters, a dot and 2 more.
  mayOccur: (text) => text.length >= 13 && text.includes('.'),
  *find(text) {
    for (const match of text.matchAll(JWT_CANDIDATE)) {
      if (hasJwtHeader(match[1] ?? '')) yield { start: match.index, end: match.index + match[0].length };
    }
  },
};

function hasJwtHeader(part: string): boolean {
  const bytes = decodeBase64(part);
  const json = bytes && decodeUtf8(bytes);
  if (!json?.trimStart().startsWith('{')) return false;
  try {
    const header: unknown = JSON.parse(json);
    return typeof header === 'object' && header !== null && typeof (header as Record<string, unknown>).alg === 'string';
  } catch {
    return false;
  }
}

// `Bearer <token>`: only the token is redacted. Prose ("bearer instruments") is not a
// token: it needs a digit, or 20+ token characters.
const BEARER = /\b[Bb]earer\s+([A-Za-z0-9\-._~+/]+=*)/g;

export const bearerToken: Detector = {
  kind: 'secret',
  name: 'bearer_token',
  mayOccur: (text) => text.includes('earer'),
  *find(text) {
    for (const match of text.matchAll(BEARER)) {
      const token = match[1] ?? '';
      if (!((token.length >= 8 && /\d/.test(token)) || token.length >= 20)) continue;
      const start = match.index + match[0].length - token.length;
      yield { start, end: start + token.length };
    }
  },
};

// `password=...`, `"api_key": "..."`, `DB_PASSWORD: s3cret`: only the value is redacted.
// After `:` an unquoted value (less trailing punctuation) must hold a digit or symbol,
// so prose ("Password: forgotten.") stays.
const ASSIGNMENT =
  /(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]*?(?:password|passwd|passphrase|secret|api[_-]?key|apikey|access[_-]?key|token|private[_-]?key|client[_-]?secret)["']?\s*([:=])\s*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s"',;&]+))/gi;

// Every credential word in ASSIGNMENT holds one of these (same flags, so the same case folding).
const ASSIGNMENT_WORD = /pass|secret|api|access|token|private/i;

export const secretAssignment: Detector = {
  kind: 'secret',
  name: 'secret_assignment',
  mayOccur: (text) => (text.includes(':') || text.includes('=')) && ASSIGNMENT_WORD.test(text),
  *find(text) {
    for (const match of text.matchAll(ASSIGNMENT)) {
      const [whole, operator, doubleQuoted, singleQuoted, bare] = match;
      let value = doubleQuoted ?? singleQuoted ?? bare ?? '';
      let valueEnd = match.index + whole.length - (bare === undefined ? 1 : 0);
      if (bare !== undefined && operator === ':') {
        const trimmed = bare.replace(/[.!?:)]+$/, '');
        if (!/[^A-Za-z]/.test(trimmed)) continue;
        valueEnd -= bare.length - trimmed.length;
        value = trimmed;
      }
      if (value.length === 0 || value.startsWith(REDACTION_PREFIX)) continue;
      yield { start: valueEnd - value.length, end: valueEnd };
    }
  },
};
