import { redact, redactSecretsInJsonText } from '@airlock/guardrails';
import { cutText } from './cut-text.js';
import { ARGS_LIMITS, checkJsonLimits, LONE_SURROGATE, type JsonLimits } from './json-limits.js';
import { jsonPrefixCopy, jsonText } from './json-text.js';

/**
 * The result of a tool that has run is the record of a side effect that happened: refusing it for what
 * the output or error holds would leave the action unfinished, and a retry would run the tool again or
 * never end. So a result's content is never refused: it is turned into a form that can be hashed, stored
 * in PostgreSQL and carried by Temporal (under its 2 MB payload limit), and what was changed is said.
 * Two doors take results, with one shape for what they change:
 * - a gate-only action's report (the agent ran the tool): `storableReportResult`, the JSON limits of
 *   arguments (checkJsonLimits with ARGS_LIMITS), as the report route documents;
 * - a run by the worker (built-in tools, a registered ToolDefinition): `storableRunResult`, the same
 *   rules except that strings and entries are bounded by the output's size alone (RUN_OUTPUT_LIMITS), so
 *   a shell's stdout or an SQL query's rows within the size limit are kept as the tool returned them.
 * Pure (no Node built-ins, no core index), so every door, the workflow code included, applies the same rule.
 *
 * An output stored as its JSON text is redacted as a value first (guardrails' `redact`): once it is text, only
 * patterns (an e-mail address, a card number) can still be found in it, while values under credential-named keys
 * (`cookie`, `authorization`, `pin`, `otp`) are redacted by their key alone, so they would stay in clear. (`redact`
 * copies plain objects and arrays; a class instance a worker's tool returns is written as it is, its text redacted
 * by pattern when stored.)
 */

/** The most characters a reported error keeps (its stored form included); longer ones are cut, marked. */
export const REPORT_ERROR_MAX_LENGTH = 4_000;

/** The most characters of the sent output's JSON text an unstorable output keeps: one stored string's limit. */
export const REPORT_OUTPUT_JSON_MAX_LENGTH = ARGS_LIMITS.maxStringLength;

/**
 * The most bytes of JSON an output is stored as sent: what a report's body could carry before the report
 * route read up to 16 MiB, well under Temporal's 2 MB payload limit (the output rides in the report's
 * update, the recording activity's input and the workflow's result). A larger output whose every field
 * is within the limits is stored as its JSON text, cut, like any other unstorable output.
 */
export const REPORT_OUTPUT_MAX_BYTES = 1024 * 1024;

/**
 * The most bytes a report's body may hold (the report route reads no more). Larger than any other request's: the tool
 * has run, and an output past the storage limits is stored in its storable form rather than refused; still bounded,
 * since the body is read in memory. A client whose output would not fit sends the storable form itself.
 */
export const REPORT_BODY_MAX_BYTES = 16 * 1024 * 1024;

/** The most characters of the problem's description kept in the stored form and the audit row. */
const PROBLEM_MAX_LENGTH = 1_000;

/** The `airlock` member of an output that was stored as its JSON text instead of as sent. */
export const OUTPUT_NOT_STORABLE = 'output not storable as sent';

/** What stands in for an output that breaks the JSON storage limits. */
export interface UnstorableOutput {
  airlock: typeof OUTPUT_NOT_STORABLE;
  /** The first limit the output broke, with its path: `output.rows.1: must not contain NUL characters …`. */
  problem: string;
  /**
   * The JSON text of the output redacted as a value (NUL and lone surrogates escaped as \u0000, \ud800), cut to fit
   * with a marker saying how much.
   */
  json: string;
}

/**
 * What was changed in a result so it could be stored; recorded in the result's audit row: a report's
 * `tool.reported` (`reportAltered`), a worker run's `tool.succeeded` / `tool.failed` (`resultAltered`).
 */
export interface ReportAlteration {
  field: 'output' | 'error';
  /** Why: the first limit broken, with its path (`output.items: more than 10000 keys …`, `error: string of 5000 characters …`). */
  problem: string;
  /** Characters cut from the end (of the redacted output's JSON text, or of the error). */
  cutCharacters?: number;
  /** Characters of the error replaced with U+FFFD (NUL, lone surrogates). */
  replacedCharacters?: number;
}

export type ReportResult = { status: 'succeeded'; output: unknown } | { status: 'failed'; error: string };

export interface StorableReportResult {
  /** What is hashed, stored and answered: the result as sent when it was storable. */
  result: ReportResult;
  /** Set when `result` differs from what was sent. */
  altered?: ReportAlteration;
  /** With `altered`: the JSON text of the output or error as sent, so two reports that differ only in what was cut are told apart. */
  sentJson?: string;
}

/**
 * The limits a worker run's output is stored as returned within: those of arguments (depth, key length,
 * reserved keys, text PostgreSQL can store, finite numbers, JSON values only), with the length of one
 * string and the count of entries bounded by REPORT_OUTPUT_MAX_BYTES alone: the built-in tools return
 * a stdout, a response body or rows of that size by design (their defaults: 256 KiB, 1 MiB, 1,000 rows).
 */
export const RUN_OUTPUT_LIMITS: JsonLimits = { ...ARGS_LIMITS, maxEntries: REPORT_OUTPUT_MAX_BYTES, maxStringLength: REPORT_OUTPUT_MAX_BYTES };

/** How one door stores results: the limits an output is kept within, and what stands for an empty error. */
interface ResultRule {
  limits: JsonLimits;
  emptyError: string;
}

const REPORT_RULE: ResultRule = { limits: ARGS_LIMITS, emptyError: 'the agent reported a failure without an error message' };
const RUN_RULE: ResultRule = { limits: RUN_OUTPUT_LIMITS, emptyError: 'the tool failed without an error message' };

/**
 * The storable form of a report's result. An output within the JSON limits (checkJsonLimits) and
 * REPORT_OUTPUT_MAX_BYTES of JSON, and an error of 1 to REPORT_ERROR_MAX_LENGTH characters of Unicode
 * text without NUL, are kept as sent. An other output becomes an `UnstorableOutput` holding the JSON
 * text of its redacted value; an other error has NUL and lone surrogates replaced by U+FFFD and is cut on a code-point
 * boundary, the cut marked. Never throws.
 */
export function storableReportResult(sent: ReportResult): StorableReportResult {
  return storableResult(sent, REPORT_RULE);
}

/**
 * The storable form of a tool run's result, as the worker records it and returns it through Temporal:
 * storableReportResult's rule with RUN_OUTPUT_LIMITS for the output (so at most REPORT_OUTPUT_MAX_BYTES
 * of JSON is kept as returned; the stored form is about 400 KB at most, well within the 2 MB payload
 * limit however its text is escaped again). An empty error stands as "the tool failed without an error
 * message". Never throws, whatever the output holds (a cycle, a BigInt, a getter-free class instance is
 * written as JSON.stringify would).
 */
export function storableRunResult(sent: ReportResult): StorableReportResult {
  return storableResult(sent, RUN_RULE);
}

function storableResult(sent: ReportResult, rule: ResultRule): StorableReportResult {
  return sent.status === 'succeeded' ? storableOutput(sent.output, rule.limits) : storableError(sent.error, rule.emptyError);
}

function storableOutput(output: unknown, limits: JsonLimits): StorableReportResult {
  const problem = checkJsonLimits(output, limits) ?? tooLarge(output);
  if (!problem) return { result: { status: 'succeeded', output } };
  // The hash of what was sent tells apart two reports that differ only in what redaction or the cut hides.
  const sentJson = jsonText(output);
  const described = cutTextMarked(`${pathText('output', problem.path)}: ${problem.message}`, PROBLEM_MAX_LENGTH).text;
  const { text: json, cut } = keptRedactedJson(output, sentJson);
  const stored: UnstorableOutput = { airlock: OUTPUT_NOT_STORABLE, problem: described, json };
  return { result: { status: 'succeeded', output: stored }, altered: { field: 'output', problem: described, ...(cut > 0 ? { cutCharacters: cut } : {}) }, sentJson };
}

/**
 * Where the output's text is this many times what is kept, only about twice what is kept is redacted (jsonPrefixCopy):
 * redacting all of it cost seconds of a worker's event loop for tens of megabytes of rows.
 */
const REDACT_PART_FROM = 4;

/**
 * Characters of the redacted part's text past what is kept, besides its closing brackets, that must differ from the
 * whole's by no more than where the part was cut: a last word's tail redacted otherwise, or a marker.
 */
const CUT_TAIL_SLACK = 256;

/**
 * The kept part of the output's redacted JSON text, cut and marked as cutTextMarked does: redacting only the first
 * part of a huge output, which gives the same kept text whenever that part's redacted text is long enough to hold
 * it ahead of where the part was cut; else (redaction shrank it that much) the whole output, as for smaller ones.
 * The marker's total then counts the part's redacted text and the rest of the text as sent.
 */
function keptRedactedJson(output: unknown, sentJson: string): { text: string; cut: number } {
  const max = REPORT_OUTPUT_JSON_MAX_LENGTH;
  if (sentJson.length > REDACT_PART_FROM * max) {
    const part = jsonPrefixCopy(output, 2 * max);
    const redacted = jsonText(redact(part.copy).value);
    if (part.cut && redacted.length - part.openAtCut - CUT_TAIL_SLACK >= max) {
      return cutTextMarked(redacted, max, redacted.length + sentJson.length - jsonText(part.copy).length);
    }
  }
  return cutTextMarked(jsonText(redact(output).value), max);
}

function storableError(error: string, emptyError: string): StorableReportResult {
  if (error.length === 0) return { result: { status: 'failed', error: emptyError }, altered: { field: 'error', problem: 'error: empty' }, sentJson: '""' };
  const problems: string[] = [];
  let replaced = 0;
  const whole = error.replace(UNSTORABLE_CHARACTERS, () => {
    replaced++;
    return '\uFFFD';
  });
  if (replaced > 0) problems.push(`${replaced} NUL or lone surrogate character${replaced === 1 ? '' : 's'} (PostgreSQL cannot store them) replaced with U+FFFD`);
  if (whole.length > REPORT_ERROR_MAX_LENGTH) problems.push(`string of ${whole.length} characters; at most ${REPORT_ERROR_MAX_LENGTH} kept`);
  if (problems.length === 0) return { result: { status: 'failed', error } };
  const { text, cut } = cutTextMarked(whole, REPORT_ERROR_MAX_LENGTH);
  const altered: ReportAlteration = {
    field: 'error',
    problem: `error: ${problems.join('; ')}`,
    ...(cut > 0 ? { cutCharacters: cut } : {}),
    ...(replaced > 0 ? { replacedCharacters: replaced } : {}),
  };
  return { result: { status: 'failed', error: text }, altered, sentJson: JSON.stringify(error) };
}

/** An output within checkJsonLimits whose JSON is over REPORT_OUTPUT_MAX_BYTES: a problem at the output itself. */
function tooLarge(output: unknown): { path: []; message: string } | undefined {
  // Within the limits, so JSON.stringify neither recurses past 32 levels nor meets a cycle or a bigint.
  const bytes = new TextEncoder().encode(JSON.stringify(output) ?? 'null').length;
  return bytes > REPORT_OUTPUT_MAX_BYTES ? { path: [], message: `JSON of ${bytes} bytes; at most ${REPORT_OUTPUT_MAX_BYTES} stored as sent` } : undefined;
}

// NUL, and LONE_SURROGATE's two alternatives, everywhere in the text.
const UNSTORABLE_CHARACTERS = new RegExp(`\\u0000|${LONE_SURROGATE.source}`, 'g');

/** `output.rows.1`, as the API's 400s name fields. */
function pathText(root: string, path: readonly (string | number)[]): string {
  return [root, ...path.map(String)].join('.');
}

/**
 * `text` within `max` characters: as is when it fits, else a prefix cut on a code-point boundary
 * (cutText: never half of a surrogate pair) followed by a marker of how many characters were cut.
 * `total`: the length of the whole text when `text` is only its first part (the marker counts the whole).
 */
export function cutTextMarked(text: string, max: number, total = text.length): { text: string; cut: number } {
  if (text.length <= max && total === text.length) return { text, cut: 0 };
  let kept = max;
  for (;;) {
    const prefix = cutText(text, Math.max(0, kept));
    const cut = total - prefix.length;
    const marked = `${prefix}${cutMarker(cut, total)}`;
    // The marker's digits depend on the cut, so shrink the prefix until prefix and marker fit.
    if (marked.length <= max || prefix.length === 0) return { text: marked, cut };
    kept = prefix.length - (marked.length - max);
  }
}

const cutMarker = (cut: number, total: number) => `… [cut by Airlock: ${cut} of ${total} characters]`;
const CUT_MARKER = /… \[cut by Airlock: \d+ of \d+ characters\]$/;

/**
 * An output stored as its JSON text (UnstorableOutput) with the values of credential-named keys in that text
 * redacted (redactSecretsInJsonText), its cut marker kept; any other output as it is. Such a text written here was
 * redacted as a value first; one a client wrote (the Python client's, say) was not, and `redact` reads the text as
 * text, where key names mean nothing.
 */
export function withStoredFormSecretsRedacted(output: unknown): unknown {
  if (!isUnstorableOutput(output)) return output;
  const marker = CUT_MARKER.exec(output.json)?.[0] ?? '';
  return { ...output, json: redactSecretsInJsonText(output.json.slice(0, output.json.length - marker.length)) + marker };
}

function isUnstorableOutput(output: unknown): output is UnstorableOutput {
  return (
    typeof output === 'object' && output !== null && (output as { airlock?: unknown }).airlock === OUTPUT_NOT_STORABLE && typeof (output as { json?: unknown }).json === 'string'
  );
}
