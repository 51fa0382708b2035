import { walkStrings } from '../paths.js';
import { decodeBase64, decodeUtf8 } from '../text/base64.js';
import { countHiddenCharacters, matchFormVariants } from '../text/normalize.js';
import { PHRASE_RULES } from './phrase-rules.js';
import type { InjectionFinding, InjectionInput, InjectionTextFinding as TextFinding } from './types.js';

/** Base64 runs long enough to hide a sentence; shorter ones are ids and hashes. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;
const MAX_DECODE_DEPTH = 2;
const SEVERITY_ORDER = { high: 0, medium: 1 } as const;

/**
 * Heuristic prompt-injection findings for an action request: the rationale and every
 * string (and object key) inside `args`. One finding per rule and field, the most
 * severe first within a field. A finding is a reason for a person to look closer, never proof.
 */
export function scanForInjection(input: InjectionInput): InjectionFinding[] {
  const findings: InjectionFinding[] = [];
  const fields = [...(input.rationale ? [{ path: 'rationale', text: input.rationale }] : []), ...walkStrings(input.args, 'args', { keys: true })];
  for (const { path, text } of fields) {
    for (const finding of scanText(text)) findings.push({ ...finding, field: path });
  }
  return findings;
}

/** Findings for one piece of text, without a field. */
export function scanText(text: string): TextFinding[] {
  const found = new Map<string, TextFinding>();
  for (const finding of [...hiddenTextFindings(text), ...textFindings(text, 0)]) {
    const existing = found.get(finding.rule);
    if (!existing || (existing.severity === 'medium' && finding.severity === 'high')) found.set(finding.rule, finding);
  }
  return [...found.values()].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

function textFindings(text: string, depth: number): TextFinding[] {
  const findings: TextFinding[] = [];
  const variants = matchFormVariants(text);
  for (const rule of PHRASE_RULES) {
    if (variants.some((forms) => rule.pattern.test(forms[rule.form]))) findings.push({ rule: rule.id, severity: rule.severity, reason: rule.reason });
  }
  if (depth < MAX_DECODE_DEPTH) findings.push(...encodedFindings(variants[0]?.revealed ?? text, depth));
  return findings;
}

function hiddenTextFindings(text: string): TextFinding[] {
  const hidden = countHiddenCharacters(text);
  if (hidden.tags > 0) {
    return [{ rule: 'hidden-text', severity: 'high', reason: `hides ${hidden.tags} invisible Unicode tag character(s) that spell out text` }];
  }
  if (hidden.invisible > 0) {
    return [{ rule: 'hidden-text', severity: 'medium', reason: `contains ${hidden.invisible} zero-width or bidirectional control character(s)` }];
  }
  return [];
}

function encodedFindings(text: string, depth: number): TextFinding[] {
  const findings: TextFinding[] = [];
  for (const [run] of text.matchAll(BASE64_RUN)) {
    const decoded = decodeReadableText(run);
    if (decoded === undefined) continue;
    for (const inner of textFindings(decoded, depth + 1)) {
      const reason = inner.rule === 'encoded-payload' ? inner.reason : `base64 text that ${inner.reason}`;
      findings.push({ rule: 'encoded-payload', severity: 'high', reason });
    }
  }
  return findings;
}

/** The decoded text when a base64 run holds readable UTF-8, else undefined. */
function decodeReadableText(run: string): string | undefined {
  const bytes = decodeBase64(run);
  const text = bytes && decodeUtf8(bytes);
  if (!text) return undefined;
  const printable = text.match(/[\p{L}\p{N}\p{P}\p{S}\p{Zs}\n\r\t]/gu)?.length ?? 0;
  return printable / [...text].length >= 0.85 ? text : undefined;
}
