import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { newestLivePolicy } from '@airlock/db';
import { amountsText, costText } from '@airlock/core';
import {
  approvalText,
  backtestPolicy,
  clearShadowPolicy,
  setShadowPolicy,
  shadowSummary,
  type ApprovalTermChange,
  type ApprovalTermShift,
  type BacktestReport,
  type ShadowSummary,
  type Transition,
  type Verdict,
} from '@airlock/ops/policy';
import { runUseCase } from '@airlock/ops/use-case';
import { compilePolicy, fileErrorReason, type CompiledPolicy } from '@airlock/policy';
import type { Db } from '@airlock/db';
import { CliError } from './cli-error.js';
import { loadOrExplain } from './policy-commands.js';
import { cliOperator, withDb } from './runtime.js';
import { formatTable } from './table.js';
import { isoTimeOption } from './times.js';

// `airlock policy backtest` and `airlock policy shadow ...`: the use cases in @airlock/ops, as the console calls them.

const BACKTEST_OPTIONS = { candidate: '<file>', since: '--since', until: '--until', limit: '--limit', policy: '<file>', source: '<file>' };

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read policy file ${file}: ${fileErrorReason(error)}`);
  }
}

/** The live policy: the one a running worker reports, or the file named with --against. */
async function livePolicy(db: Db, against: string | undefined): Promise<CompiledPolicy> {
  if (against !== undefined) return loadOrExplain(against);
  const reported = await newestLivePolicy(db);
  if (!reported) throw new CliError('no worker reports the policy it runs: name the live policy file with --against <file>');
  return compilePolicy(reported.text, reported.source);
}

export async function backtestCommand(file: string, options: { since: string; until?: string; against?: string; limit?: string; json?: boolean }): Promise<string> {
  const until = isoTimeOption('--until', options.until);
  const candidate = await readText(file);
  return withDb(async (db) => {
    const report = await backtestPolicy(db, await livePolicy(db, options.against), {
      candidate,
      source: path.basename(file),
      since: options.since,
      ...(until !== undefined ? { until } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
    });
    return options.json ? JSON.stringify(report, null, 2) : formatBacktest(report);
  }, BACKTEST_OPTIONS);
}

const transitionRows = (transitions: Transition[]) => transitions.map((t) => [`${t.from} → ${t.to}`, String(t.count), amountsText(t.amounts)]);

const total = ({ count, amounts }: { count: number; amounts: BacktestReport['approvals']['newlyAsked']['amounts'] }) => `${count}${count > 0 ? ` (${amountsText(amounts)})` : ''}`;

const approvalsLine = ({ newlyAsked, noLongerAsked }: BacktestReport['approvals']) => `approvals newly asked: ${total(newlyAsked)}; no longer asked: ${total(noLongerAsked)}`;

/** Approvals both policies ask for, on other terms: who or how many decide, by when. */
const approvalTermsLine = ({ stricter, looser, otherChanges }: BacktestReport['approvals']) =>
  `approvals asked on other terms: stricter ${total(stricter)}; looser ${total(looser)}; otherwise changed ${total(otherChanges)}`;

const approvalShiftsTable = (shifts: ApprovalTermShift[]) =>
  formatTable(
    ['approval term', 'actions', 'amount'],
    shifts.map((s) => [`${s.term} ${s.from} → ${s.to}`, String(s.count), amountsText(s.amounts)]),
  );

/** "require_approval/high 2 × approver": the approval's quorum and role beside the decision. */
const verdictText = (v: Verdict) => `${v.decision}/${v.tier}${v.approval ? ` ${approvalText(v.approval)}` : ''}`;

const termsText = (terms: ApprovalTermChange[]) => terms.map((t) => `${t.term} ${t.from} → ${t.to}`).join(', ');

export function formatBacktest(r: BacktestReport): string {
  const lines = [
    `backtest ${r.candidate.source} (${r.candidate.version}) against the live policy ${r.live.source} (${r.live.version})`,
    `window ${r.window.since} – ${r.window.until}: ${r.evaluated} actions re-evaluated, ${r.changed} would change, ${r.uncertain} uncertain, ${r.same} unchanged` +
      (r.skipped > 0 ? ` (${r.skipped} left out: unknown tools or agents gone)` : ''),
    approvalsLine(r.approvals),
    approvalTermsLine(r.approvals),
  ];
  if (r.classifiedByOtherVersions > 0)
    lines.push(`note: ${r.classifiedByOtherVersions} of these actions were classified by an earlier policy version; both sides here are re-evaluated`);
  if (r.transitions.length > 0) lines.push('', formatTable(['decision', 'actions', 'amount'], transitionRows(r.transitions)));
  if (r.approvalShifts.length > 0) lines.push('', approvalShiftsTable(r.approvalShifts));
  if (r.tierShifts.length > 0)
    lines.push(
      '',
      formatTable(
        ['tier', 'actions'],
        r.tierShifts.map((s) => [`${s.from} → ${s.to}`, String(s.count)]),
      ),
    );
  if (r.unknownReads.length > 0) {
    lines.push('', 'rules that read fields the records do not hold (redacted, or signals not recorded): their answers are not guessed');
    lines.push(
      formatTable(
        ['policy', 'rule', 'fields', 'actions', 'left uncertain'],
        r.unknownReads.map((u) => [u.policy, u.ruleId, u.fields.join(', '), String(u.actions), String(u.uncertain)]),
      ),
    );
  }
  if (r.rows.length > 0) {
    lines.push(
      '',
      formatTable(
        ['action', 'at', 'tool', 'agent', 'cost', 'live', 'candidate', 'status'],
        r.rows.map((row) => [
          row.actionId,
          row.createdAt,
          row.tool,
          row.agentId,
          costText(row.costEstimate, row.currency),
          verdictText(row.live),
          verdictText(row.candidate),
          row.status === 'uncertain'
            ? `uncertain: ${[...new Set(row.unknownReads.map((u) => `${u.ruleId} reads ${u.fields.join(', ')}`))].join('; ')}`
            : row.approvalTerms.length > 0
              ? `changed: ${termsText(row.approvalTerms)}`
              : 'changed',
        ]),
        80,
      ),
    );
    if (r.truncated) lines.push(`… more not listed (raise --limit)`);
  }
  return lines.join('\n');
}

export async function shadowSetCommand(file: string, options: { by?: string }): Promise<string> {
  const policy = await readText(file);
  return withDb(async (db) => {
    const set = await runUseCase({ db }, await cliOperator(db, options.by), setShadowPolicy, { policy, source: path.basename(file) });
    return `shadow policy ${set.source} version ${set.version} set by ${set.setBy}: workers evaluate it beside the live policy within seconds and record only differences`;
  }, BACKTEST_OPTIONS);
}

export async function shadowClearCommand(options: { by?: string }): Promise<string> {
  return withDb(async (db) => {
    const { cleared } = await runUseCase({ db }, await cliOperator(db, options.by), clearShadowPolicy, {});
    return cleared ? `shadow policy ${cleared} cleared; its recorded differences stay` : 'no shadow policy was set';
  });
}

export async function shadowShowCommand(options: { json?: boolean }): Promise<string> {
  return withDb(async (db) => {
    const summary = await shadowSummary(db);
    return options.json ? JSON.stringify(summary, null, 2) : formatShadow(summary);
  });
}

export function formatShadow(s: ShadowSummary): string {
  if (s.version === null) return 'no shadow policy is set, and none has recorded anything';
  const lines = [
    s.shadow
      ? `shadow policy ${s.shadow.source} version ${s.shadow.version}, set by ${s.shadow.setBy} at ${s.shadow.setAt.toISOString()}`
      : `no shadow policy is set; the last one was version ${s.version}`,
    `${s.differences} differences${s.admittedSince !== null ? ` among ${s.admittedSince} actions admitted since it was set` : ''}; ${s.failures} failed evaluations`,
    approvalsLine(s.approvals),
    approvalTermsLine(s.approvals),
  ];
  if (s.transitions.length > 0) lines.push('', formatTable(['decision', 'actions', 'amount'], transitionRows(s.transitions)));
  if (s.approvalShifts.length > 0) lines.push('', approvalShiftsTable(s.approvalShifts));
  if (s.recent.length > 0) {
    lines.push(
      '',
      formatTable(
        ['action', 'at', 'tool', 'agent', 'cost', 'live', 'shadow', 'approval terms'],
        s.recent.map((d) => [
          d.actionId,
          d.at,
          d.tool,
          d.agentId,
          costText(d.costEstimate, d.currency),
          verdictText(d.live),
          d.shadow ? verdictText(d.shadow) : `failed: ${d.error ?? ''}`,
          d.approvalTerms.length > 0 ? termsText(d.approvalTerms) : '',
        ]),
        80,
      ),
    );
  }
  return lines.join('\n');
}
