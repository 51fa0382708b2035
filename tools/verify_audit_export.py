#!/usr/bin/env python3
"""Verify an Airlock audit export (docs/AUDIT-FORMAT.md) with the standard library only.

Usage: verify_audit_export.py EXPORT.jsonl [PUBLIC_KEY.pem ...] [--public-key PEM] [--checkpoints FILE ...]
Exit 0 = verified; 1 = NOT VERIFIED (stdout says why) or a file that is not in the format (stderr).
It refuses what `airlock audit verify --file` refuses (prisma/src/audit/verifier.ts, verify.ts), with its reasons.
"""
import argparse, base64, hashlib, json, re, sys
from decimal import Decimal

FORMAT, GENESIS = 'airlock-audit-export', '0' * 64
NON_FINITE = 'the payload holds a number beyond the range of a double (such as 1e400)'


class FormatError(Exception):
    """An input that is not in the format: the message names the line (and, for an event, its seq)."""


class Unhashable(Exception):
    pass


def string(s, legacy):  # JCS string; version 1 (JSON.stringify) escaped a lone surrogate, JCS has no form for one
    out = json.dumps(s, ensure_ascii=False)
    if re.search('[\ud800-\udfff]', out):  # json.loads joins escaped pairs, so any surrogate left is a lone half
        if not legacy: raise Unhashable('its fields have no canonical JSON (Lone surrogate is not allowed)')
        out = re.sub('[\ud800-\udfff]', lambda m: '\\u%04x' % ord(m.group()), out)
    return out


def jcs(v, legacy=False):  # RFC 8785 for the JSON values an export holds
    if v is None or isinstance(v, bool): return json.dumps(v)
    if isinstance(v, str): return string(v, legacy)
    if isinstance(v, (int, float)): return num(v)
    if isinstance(v, list): return '[' + ','.join(jcs(x, legacy) for x in v) + ']'
    keys = sorted(v, key=lambda k: k.encode('utf-16-be', 'surrogatepass'))
    return '{' + ','.join(string(k, legacy) + ':' + jcs(v[k], legacy) for k in keys) + '}'


def num(v):  # ECMAScript Number::toString from the shortest round-trip digits
    if v == 0: return '0'
    t = Decimal(repr(float(v))).normalize().as_tuple()
    d, n, sign = ''.join(map(str, t.digits)), len(t.digits) + t.exponent, '-' if v < 0 else ''
    if len(d) <= n <= 21: return sign + d + '0' * (n - len(d))
    if 0 < n <= 21: return sign + d[:n] + '.' + d[n:]
    if -6 < n <= 0: return sign + '0.' + '0' * -n + d
    e = n - 1
    return sign + d[0] + ('.' + d[1:] if len(d) > 1 else '') + 'e' + ('+' if e > 0 else '-') + str(abs(e))


def without_proto(v):  # hash version 1 lost keys named __proto__
    if isinstance(v, list): return [without_proto(x) for x in v]
    if isinstance(v, dict): return {k: without_proto(x) for k, x in v.items() if k != '__proto__'}
    return v


def non_finite(v):
    if isinstance(v, float): return v != v or v in (float('inf'), float('-inf'))
    if isinstance(v, list): return any(non_finite(x) for x in v)
    if isinstance(v, dict): return any(non_finite(x) for x in v.values())
    return False


def row_hash(r):
    """The hash the row's content gives (docs/AUDIT-FORMAT.md, "The row hash"), or Unhashable saying why it gives none."""
    # Every member is present: check() refused a line without one.
    fields = {k: r[k] for k in ('actionId', 'actor', 'createdAt', 'eventKey', 'payload', 'prevHash', 'type')}
    if non_finite(r['payload']): raise Unhashable(NON_FINITE)
    if r['hashVersion'] == 1: return hashlib.sha256(jcs(without_proto(fields), legacy=True).encode()).hexdigest()
    return hashlib.sha256(jcs(dict(fields, v=2)).encode()).hexdigest()


# Ed25519 verification (RFC 8032 §5.1.7, cofactorless, as OpenSSL does it: the R bytes must equal encode([S]B - [k]A)).
P, L = 2**255 - 19, 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
def add(a, b):  # extended coordinates (RFC 8032 §5.1.4)
    A, B = (a[1] - a[0]) * (b[1] - b[0]) % P, (a[1] + a[0]) * (b[1] + b[0]) % P
    C, E = 2 * a[3] * b[3] * D % P, 2 * a[2] * b[2] % P
    e, f, g, h = B - A, E - C, E + C, B + A
    return (e * f % P, g * h % P, f * g % P, e * h % P)
def mul(s, pt, q=(0, 1, 1, 0)):
    while s: q, pt, s = (add(q, pt) if s & 1 else q), add(pt, pt), s >> 1
    return q
def point(b):
    y = int.from_bytes(b, 'little') & (2**255 - 1)
    if y >= P: raise ValueError('not a point')
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P); x = x if (x * x - x2) % P == 0 else x * pow(2, (P - 1) // 4, P) % P
    if (x * x - x2) % P or (x == 0 and b[31] >> 7): raise ValueError('not a point')
    x = P - x if (x & 1) != b[31] >> 7 else x
    return (x, y, 1, x * y % P)
def enc(pt): z = pow(pt[2], P - 2, P); x, y = pt[0] * z % P, pt[1] * z % P; return (y | (x & 1) << 255).to_bytes(32, 'little')
BASE = point((4 * pow(5, P - 2, P) % P).to_bytes(32, 'little'))
def ed25519_ok(pub, msg, sig):
    if len(sig) != 64 or int.from_bytes(sig[32:], 'little') >= L: return False
    try: a = point(pub)
    except ValueError: return False
    k = int.from_bytes(hashlib.sha512(sig[:32] + pub + msg).digest(), 'little') % L
    minus_ka = mul(k, (P - a[0], a[1], a[2], P - a[3]))
    return enc(add(mul(int.from_bytes(sig[32:], 'little'), BASE), minus_ka)) == sig[:32]

def signature_bytes(text):  # as Buffer.from(text, 'base64'): up to the first "=", other characters skipped, a lone last one dropped
    digits = re.sub(r'[^A-Za-z0-9+/]', '', text.split('=')[0].replace('-', '+').replace('_', '/'))
    return base64.b64decode(digits[:len(digits) - (len(digits) % 4 == 1)] + '==')

SPKI = bytes.fromhex('302a300506032b6570032100')  # an Ed25519 public key, DER: then the 32 raw bytes
PKCS8 = bytes.fromhex('302e020100300506032b657004220420')  # an Ed25519 private key, DER: then the 32-byte seed

def public_key(path):
    """The raw key of the first PEM block (a public key, or the private key it belongs to, as Node's createPublicKey takes)."""
    text = open(path, encoding='utf-8', errors='replace').read()
    m = re.search(r'-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\s]*)-----END \1-----', text)
    try: der = base64.b64decode(re.sub(r'\s', '', m.group(2))) if m else b''
    except ValueError: der = b''
    if len(der) == 44 and der.startswith(SPKI): return der[12:]
    if len(der) == 48 and der.startswith(PKCS8):
        h = hashlib.sha512(der[16:]).digest()
        return enc(mul(int.from_bytes(h[:32], 'little') & (2**254 - 8) | 2**254, BASE))
    raise FormatError(f'--public-key: {path} is not an Ed25519 public key in PEM form (audit keygen writes one as audit-signing-key.pub.pem)')


def parse(line, n):  # JSON as JSON.parse reads it: no NaN or Infinity literals; a number past a double's range is ±inf
    def constant(name): raise ValueError(name)
    try:
        return json.loads(line, parse_constant=constant, parse_int=lambda s: float(s) if len(s) > 400 else int(s))
    except (ValueError, RecursionError):
        raise FormatError(f'line {n} is not JSON') from None


def whole(v):  # a JSON number that is an integer (2 and 2.0 alike, as in JavaScript)
    return not isinstance(v, bool) and (isinstance(v, int) or isinstance(v, float) and v.is_integer())

# The members of each line and what each must hold, with the words `airlock audit verify` (zod) uses for what is wrong.
MISSING = object()
def received(v):
    if v is MISSING: return 'undefined'
    return 'null' if v is None else 'boolean' if isinstance(v, bool) else 'number' if isinstance(v, (int, float)) else \
        'string' if isinstance(v, str) else 'array' if isinstance(v, list) else 'object'
def literal(x): return lambda v: None if v == x and received(v) == received(x) else f'Invalid input: expected {json.dumps(x)}'
def text(v): return None if isinstance(v, str) else f'Invalid input: expected string, received {received(v)}'
def text_or_null(v): return None if v is None else text(v)
def hex64(v): return text(v) or (None if re.fullmatch(r'[0-9a-f]{64}', v) else 'must be 64 lowercase hex digits')
def integer(v):
    if received(v) != 'number': return f'Invalid input: expected number, received {received(v)}'
    return None if whole(v) else 'Invalid input: expected int, received number'
def positive(v): return integer(v) or (None if v > 0 else 'Too small: expected number to be >0')
def present(v): return 'required' if v is MISSING else None

HEADER = {'format': literal(FORMAT), 'version': literal(1), 'exportedAt': text}
CHECKPOINT = {'kind': literal('checkpoint'), 'n': positive, 'seq': positive, 'hash': hex64, 'signedAt': text, 'keyId': text, 'signature': text}
EVENT = {'kind': literal('event'), 'seq': positive, 'hashVersion': integer, 'eventKey': text, 'actionId': text_or_null, 'type': text,
         'actor': text, 'payload': present, 'createdAt': text, 'prevHash': hex64, 'hash': hex64}

def check(value, members, n, strict):
    """The line's members (without kind), or FormatError naming the line, for an event its seq, and the member."""
    seq = value.get('seq') if isinstance(value, dict) and value.get('kind') == 'event' and received(value.get('seq')) == 'number' else None
    where = f'line {n}' + ('' if seq is None else f' (seq {int(seq) if whole(seq) else seq})')
    if not isinstance(value, dict): raise FormatError(f'{where}: Invalid input: expected object, received {received(value)}')
    for name, ok in members.items():
        wrong = ok(value.get(name, MISSING))
        if wrong: raise FormatError(f'{where}: {name}: {wrong}')
    extra = [k for k in value if k not in members]
    if strict and extra: raise FormatError(f'{where}: Unrecognized key' + ('s: ' if len(extra) > 1 else ': ') + ', '.join(json.dumps(k) for k in extra))
    return {k: int(v) if k != 'payload' and whole(v) else v for k, v in value.items() if k in members and k != 'kind'}


def prepare(checkpoints, keys):
    """prepareCheckpoints: the trusted checkpoints in seq order, and every problem (a gap, a bad signature, an unknown key, a conflict)."""
    problems, by_n, trusted, expected = [], {}, [], 1
    for c in checkpoints:
        if c['n'] not in by_n: by_n[c['n']] = c
        elif by_n[c['n']] != c: problems.append(f"checkpoint #{c['n']} appears twice with different contents")
    for n in sorted(by_n):
        if n > expected: problems.append(f'checkpoint #{expected} is missing' if expected == n - 1 else f'checkpoints #{expected}–#{n - 1} are missing')
        expected, c = n + 1, by_n[n]
        msg = ('airlock-audit-checkpoint/v1\n' + jcs({k: c[k] for k in ('hash', 'keyId', 'n', 'seq', 'signedAt')})).encode()
        if c['keyId'] not in keys: problems.append(f"checkpoint #{n} is signed by {c['keyId']}, which is not among the public keys given")
        elif not ed25519_ok(keys[c['keyId']], msg, signature_bytes(c['signature'])):
            problems.append(f"checkpoint #{n} (seq {c['seq']}) has a signature that does not verify: it was forged or altered")
        elif trusted and c['seq'] < trusted[-1]['seq']: problems.append(f"checkpoint #{n} signs seq {c['seq']}, before an earlier checkpoint's")
        else: trusted.append(c)
    return trusted, problems


class Chain:
    """ChainVerifier.push in one pass: seq order, a removed checkpointed row, the link, the hash version, the hash, the signed hash."""
    def __init__(self, trusted):
        self.trusted, self.next, self.prev, self.last, self.rows, self.matched, self.matched_seq = trusted, 0, GENESIS, 0, 0, 0, 0

    def push(self, r):  # None, or (first row that disagrees, why)
        seq, pending = r['seq'], self.trusted[self.next] if self.trusted is not None and self.next < len(self.trusted) else None
        if seq <= self.last: return seq, f'seq {seq} follows seq {self.last}: rows are out of order or duplicated'
        if pending and pending['seq'] < seq: return pending['seq'], f"checkpoint #{pending['n']} signs seq {pending['seq']}, which is not in the chain: the row was removed"
        if r['prevHash'] != self.prev:
            if self.last == 0: return seq, 'prev_hash does not match: the first row’s must be 64 zeros, so rows were removed from the start (or this prev_hash was altered)'
            return seq, f'prev_hash does not match the hash of seq {self.last}, the row before it: a row between them was removed, or rows were reordered or inserted (or this prev_hash was altered)'
        if r['hashVersion'] not in (1, 2): return seq, f"unknown hash version {r['hashVersion']}"
        try: computed = row_hash(r)
        except Unhashable as e: return seq, f'row content cannot be hashed: {e}, which Airlock never writes: the row was altered'
        if computed != r['hash']: return seq, 'row content does not match its hash: the row was altered'
        if pending and pending['seq'] == seq:
            if pending['hash'] != r['hash']:
                return seq, f"the hash of seq {seq} differs from the one signed in checkpoint #{pending['n']}: a row from seq {self.matched_seq + 1} on was rewritten and the later hashes recomputed"
            self.matched, self.matched_seq, self.next = self.matched + 1, seq, self.next + 1
        self.prev, self.last, self.rows = r['hash'], seq, self.rows + 1

    def finish(self):
        pending = self.trusted[self.next] if self.trusted is not None and self.next < len(self.trusted) else None
        if pending: return pending['seq'], f"the chain ends at seq {self.last} but checkpoint #{pending['n']} signs seq {pending['seq']}: rows were removed from the end"


def lines_of(path):  # as Node's readline splits them (\n, \r\n, \r); bytes that are not UTF-8 read as U+FFFD, as Node reads them
    with open(path, encoding='utf-8', errors='replace') as f:
        for n, line in enumerate(f, 1): yield n, line.rstrip('\n')


def checkpoint_file(path):
    """Checkpoints as a sink published them (one {"kind":"checkpoint",…} line each, repeats allowed)."""
    try: return [check(parse(line, n), CHECKPOINT, n, False) for n, line in lines_of(path) if line.strip()]
    except FormatError as e: raise FormatError(f'--checkpoints: {path}: {e}') from None


def verify(path, keys, extra):
    """verifyAuditExport: (None, rows, matched checkpoints, last matched seq) or (first row that disagrees or None, why)."""
    chain, in_file, n = None, [], 0
    def start():
        if keys is None: return Chain(None), []
        trusted, problems = prepare(in_file + extra, keys)
        return Chain(trusted), problems
    for n, line in lines_of(path):
        if line == '' and n > 1: continue  # the header is line 1, never skipped
        value = parse(line, n)
        if n == 1:
            check(value, HEADER, n, False)
            continue
        if isinstance(value, dict) and value.get('kind') == 'checkpoint':
            if chain: raise FormatError(f'line {n}: checkpoints must come before the events')
            in_file.append(check(value, CHECKPOINT, n, False))
            continue
        if not chain: chain, problems = start()
        failure = chain.push(check(value, EVENT, n, True))
        if failure: return failure
    if n == 0: raise FormatError(f'{path} is empty: expected the {FORMAT} header line')
    if not chain: chain, problems = start()
    failure = chain.finish()
    if failure: return failure
    if problems: return None, 'the checkpoints do not hold: ' + '; '.join(problems)
    return chain


def main(argv):
    cli = argparse.ArgumentParser(prog='verify_audit_export.py', description='Verify an Airlock audit export (docs/AUDIT-FORMAT.md).')
    cli.add_argument('export')
    cli.add_argument('keys', nargs='*', metavar='PUBLIC_KEY.pem', help='every Ed25519 public key that signed checkpoints')
    cli.add_argument('--public-key', action='append', default=[], metavar='PEM', help='the same as a PUBLIC_KEY.pem argument')
    cli.add_argument('--checkpoints', action='append', default=[], metavar='FILE', help='checkpoints published outside the database (file sink, webhook receiver)')
    args = cli.parse_intermixed_args(argv)
    pems = args.keys + args.public_key
    try:
        if args.checkpoints and not pems: raise FormatError('--checkpoints needs --public-key: an unsigned checkpoint proves nothing')
        keys = None
        for pem in pems:
            raw = public_key(pem)
            keys = dict(keys or {}, **{'ed25519:' + hashlib.sha256(raw).hexdigest()[:16]: raw})
        extra = [c for path in args.checkpoints for c in checkpoint_file(path)]
        result = verify(args.export, keys, extra)
    except FormatError as e:
        print(f'verify_audit_export.py: {e}', file=sys.stderr)
        return 1
    except OSError as e:
        print(f'verify_audit_export.py: cannot read {e.filename}: {e.strerror}', file=sys.stderr)
        return 1
    if isinstance(result, tuple):
        seq, reason = result
        print('NOT VERIFIED: ' + (f'seq {seq}: ' if seq is not None else '') + reason)
        return 1
    if keys is None:
        print(f'verified: {result.rows} rows (links and hashes only: give a public key to check the signed checkpoints)')
    else:
        print(f'verified: {result.rows} rows, {result.matched} checkpoints')
        if result.matched_seq < result.last: print(f'rows after seq {result.matched_seq} are not yet covered by a signed checkpoint')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
