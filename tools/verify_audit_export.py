#!/usr/bin/env python3
"""Verify an Airlock audit export (docs/AUDIT-FORMAT.md) with the standard library only.
Usage: verify_audit_export.py EXPORT.jsonl [PUBLIC_KEY.pem ...]   exit 0 = verified, 1 = not."""
import base64, hashlib, json, sys
from decimal import Decimal

def jcs(v):  # RFC 8785 for the JSON values an export holds
    if v is None or isinstance(v, bool): return json.dumps(v)
    if isinstance(v, str): return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (int, float)): return num(v)
    if isinstance(v, list): return '[' + ','.join(jcs(x) for x in v) + ']'
    return '{' + ','.join(jcs(k) + ':' + jcs(v[k]) for k in sorted(v, key=lambda k: k.encode('utf-16-be'))) + '}'

def num(v):  # ECMAScript Number::toString from the shortest round-trip digits
    if v == 0: return '0'
    t = Decimal(repr(float(v))).normalize().as_tuple()
    d, n, sign = ''.join(map(str, t.digits)), len(t.digits) + t.exponent, '-' if v < 0 else ''
    if len(d) <= n <= 21: return sign + d + '0' * (n - len(d))
    if 0 < n <= 21: return sign + d[:n] + '.' + d[n:]
    if -6 < n <= 0: return sign + '0.' + '0' * -n + d
    e = n - 1
    return sign + d[0] + ('.' + d[1:] if len(d) > 1 else '') + 'e' + ('+' if e > 0 else '-') + str(abs(e))

def legacy(v):  # hash version 1 lost keys named __proto__
    if isinstance(v, list): return [legacy(x) for x in v]
    if isinstance(v, dict): return {k: legacy(x) for k, x in v.items() if k != '__proto__'}
    return v

P, L = 2**255 - 19, 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
def add(a, b):  # Ed25519 point addition, extended coordinates (RFC 8032 §5.1.4)
    A, B = (a[1] - a[0]) * (b[1] - b[0]) % P, (a[1] + a[0]) * (b[1] + b[0]) % P
    C, E = 2 * a[3] * b[3] * D % P, 2 * a[2] * b[2] % P
    e, f, g, h = B - A, E - C, E + C, B + A
    return (e * f % P, g * h % P, f * g % P, e * h % P)
def mul(s, pt, q=(0, 1, 1, 0)):
    while s: q, pt, s = (add(q, pt) if s & 1 else q), add(pt, pt), s >> 1
    return q
def point(b):
    y = int.from_bytes(b, 'little') & (2**255 - 1); x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P); x = x if (x * x - x2) % P == 0 else x * pow(2, (P - 1) // 4, P) % P
    if (x * x - x2) % P: raise ValueError('not a point')
    x = P - x if (x & 1) != b[31] >> 7 else x
    return (x, y, 1, x * y % P)
def enc(pt): z = pow(pt[2], P - 2, P); x, y = pt[0] * z % P, pt[1] * z % P; return (y | (x & 1) << 255).to_bytes(32, 'little')
def ed25519_ok(pub, msg, sig):
    h = int.from_bytes(hashlib.sha512(sig[:32] + pub + msg).digest(), 'little') % L
    s = int.from_bytes(sig[32:], 'little')
    return s < L and enc(mul(s, point((4 * pow(5, P - 2, P) % P).to_bytes(32, 'little')))) == enc(add(point(sig[:32]), mul(h, point(pub))))

def main(path, pems):
    keys = {}
    for pem in pems:
        raw = base64.b64decode(''.join(l for l in open(pem) if '-----' not in l))[-32:]
        keys['ed25519:' + hashlib.sha256(raw).hexdigest()[:16]] = raw
    lines = [json.loads(l) for l in open(path, encoding='utf-8') if l.strip()]
    assert lines[0].get('format') == 'airlock-audit-export', 'not an Airlock audit export'
    cps = {c['n']: c for c in lines if c.get('kind') == 'checkpoint'}
    for n, c in sorted(cps.items()):
        msg = 'airlock-audit-checkpoint/v1\n' + jcs({k: c[k] for k in ('hash', 'keyId', 'n', 'seq', 'signedAt')})
        if n > 1 and n - 1 not in cps: return f'checkpoint #{n - 1} is missing'
        if keys and not (c['keyId'] in keys and ed25519_ok(keys[c['keyId']], msg.encode(), base64.b64decode(c['signature']))): return f'checkpoint #{n}: bad signature or unknown key'
    at, prev, count = {c['seq']: c for c in cps.values()}, '0' * 64, 0
    for r in (l for l in lines if l.get('kind') == 'event'):
        fields = {k: r[k] for k in ('actionId', 'actor', 'createdAt', 'eventKey', 'payload', 'prevHash', 'type')}
        fields = dict(fields, v=2) if r['hashVersion'] == 2 else legacy(fields)
        if r['prevHash'] != prev: return f"seq {r['seq']}: prev_hash does not match the previous row"
        if hashlib.sha256(jcs(fields).encode()).hexdigest() != r['hash']: return f"seq {r['seq']}: row content does not match its hash"
        if r['seq'] in at and at.pop(r['seq'])['hash'] != r['hash']: return f"seq {r['seq']}: differs from signed checkpoint"
        prev, count = r['hash'], count + 1
    if at: return f'checkpoint at seq {min(at)} names a row that is not in the export'
    print(f'verified: {count} rows, {len(cps)} checkpoints' + ('' if keys else ' (signatures not checked: no public key given)'))

if __name__ == '__main__':
    problem = main(sys.argv[1], sys.argv[2:])
    if problem: sys.exit(f'NOT VERIFIED: {problem}')
