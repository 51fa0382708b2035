import { appendAuditIn, inGatedTransaction, inTransaction, killSwitchReason, suspensionIn } from '@airlock/db';
import type { ReportAlteration } from '@airlock/core';
import { redactText } from '@airlock/guardrails';
import type { ActivityDeps } from './deps.js';
import { reached } from './kill-points.js';
import { startRefusedEventKey } from './run-reads.js';

/** Why an authorization was not issued: the kill switch stopped the agent first. */
export interface AuthorizationRefused {
  refused: string;
}

/** Gate-only actions: the authorization handed to the agent and the agent's report, each audited. */
export function createAgentRunActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /**
     * Issuing the authorization is the start of a gate-only action, so it passes the
     * kill switch's start gate like a worker's tool run: the switch is checked and the
     * authorization recorded in one transaction, under the gate held shared. It is
     * issued before a switch (whose reply then lists it) or refused (audited, null
     * otherwise). A retry after a commit finds the authorization and keeps it, or the
     * refusal and answers with it (the log says refused, whatever the switch says now).
     */
    async recordAuthorization(input: {
      actionId: string;
      tool: string;
      authorizationId: string;
      argsHash: string;
      expiresAt: string;
      /** The requesting agent (absent in histories written before the gate). */
      agentId?: string;
    }): Promise<AuthorizationRefused | null> {
      return (input.agentId ? inGatedTransaction : inTransaction)(db, async (client) => {
        if (input.agentId) {
          const { rows } = await client.query<{ type: string; reason: string | null }>(`SELECT type, payload->>'reason' AS reason FROM audit_events WHERE event_key IN ($1, $2)`, [
            `${input.actionId}:authorized`,
            startRefusedEventKey(input.actionId),
          ]);
          // A refusal an earlier attempt committed (its worker died before Temporal heard) stands, though the switch may be lifted now.
          const refusedBefore = rows.find((row) => row.type === 'action.recheck_failed');
          if (refusedBefore) return { refused: refusedBefore.reason ?? '' };
          if (rows.length === 0) {
            const suspension = await suspensionIn(client, input.agentId);
            if (suspension) {
              const reason = killSwitchReason(suspension, 'cancelled');
              await appendAuditIn(client, {
                eventKey: startRefusedEventKey(input.actionId),
                actionId: input.actionId,
                type: 'action.recheck_failed',
                actor: 'system:kill-switch',
                payload: { reason },
              });
              return { refused: reason };
            }
          }
        }
        // The agent runs the tool from here on: the action shows as running until its report.
        await client.query(`UPDATE actions SET status = 'running', updated_at = now() WHERE id = $1`, [input.actionId]);
        await appendAuditIn(client, {
          eventKey: `${input.actionId}:authorized`,
          actionId: input.actionId,
          type: 'action.authorized',
          actor: 'system:workflow',
          payload: { tool: input.tool, authorizationId: input.authorizationId, argsHash: input.argsHash, expiresAt: input.expiresAt },
        });
        return null;
      });
    },

    /**
     * A kill switch tripped while the authorization was out and unreported: from
     * now on it is no longer handed out, and a report (from an agent that already
     * held it) is accepted only until it expires, recorded as made after revocation.
     */
    async revokeAuthorization(input: { actionId: string; authorizationId: string; reason: string; reportsAcceptedUntil: string }): Promise<void> {
      await inTransaction(db, async (client) => {
        await appendAuditIn(client, {
          eventKey: `${input.actionId}:authorization-revoked`,
          actionId: input.actionId,
          type: 'action.authorization_revoked',
          actor: 'system:kill-switch',
          payload: { authorizationId: input.authorizationId, reason: input.reason, reportsAcceptedUntil: input.reportsAcceptedUntil },
        });
      });
    },

    /** The run as the agent reported it: an execution row like the worker's own runs, and `tool.reported`. */
    async recordAgentReport(input: {
      actionId: string;
      tool: string;
      idempotencyKey: string;
      status: 'succeeded' | 'failed';
      output?: unknown;
      error?: string;
      /** Reported after a kill switch revoked the authorization (the agent ran it anyway, or before the switch). */
      afterRevocation?: boolean;
      /** The output or error is a storable form of what the agent sent: what was changed, and why. */
      altered?: ReportAlteration;
    }): Promise<void> {
      // Recorded redacted, as completion records the outcome's: the agent's error quotes what its tool was given and met.
      const error = input.error === undefined ? null : redactText(input.error).text;
      // One transaction: a kill at report.between-writes (the execution row sent, tool.reported not) rolls both back.
      reached(deps, 'report.before-write');
      await inTransaction(db, async (client) => {
        await client.query(
          `INSERT INTO tool_executions (idempotency_key, action_id, tool, status, result, error, finished_at) VALUES ($1, $2, $3, $4, $5, $6, now())
           ON CONFLICT (idempotency_key) DO NOTHING`,
          [input.idempotencyKey, input.actionId, input.tool, input.status, JSON.stringify(input.output ?? null), error],
        );
        reached(deps, 'report.between-writes');
        // The output stays out of the audit log, as with worker runs.
        await appendAuditIn(client, {
          eventKey: `${input.actionId}:tool.reported`,
          actionId: input.actionId,
          type: 'tool.reported',
          actor: 'system:agent-report',
          payload: {
            tool: input.tool,
            status: input.status,
            ...(error ? { error } : {}),
            ...(input.afterRevocation ? { afterRevocation: true } : {}),
            ...(input.altered ? { reportAltered: input.altered } : {}),
          },
        });
      });
      reached(deps, 'report.after-write');
    },
  };
}
