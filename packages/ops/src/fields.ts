import { ActionRequest } from '@airlock/core/action';
import { Rule } from '@airlock/policy/schema';
import { z } from 'zod';
import { storedText } from './stored-text.js';
import { ISO_TIME_REFUSED, isoTime } from './iso-time.js';

// The fields operator inputs share, with the same rules the gate applies.

export const AgentId = ActionRequest.shape.agentId;
export const ToolName = ActionRequest.shape.tool;
/** A tool name or a glob with one trailing `*` ("payments.*", "*"), as policies write them. */
export const ToolPattern = Rule.shape.tools.element;
// Stored text (a row, an audit payload): no NUL, no lone surrogate (stored-text.ts).
export const Team = storedText(100);
export const DisplayName = storedText(200);
export const Reason = storedText(2000);
export const UserRef = storedText(254, 'must name a user');
export const KeyName = storedText(100);
/** The id of a key, budget or grant as an operator names it: looked up, so it must be text PostgreSQL can compare. */
export const RecordId = storedText(200, 'must name it by id');
/** When a key stops working: an ISO 8601 time (or a Date, in process) that exists on the calendar and lies in the future. */
export const ExpiresAt = z
  .union([z.date(), z.string()], { error: ISO_TIME_REFUSED })
  .transform((value, ctx) => {
    const date = value instanceof Date ? value : isoTime(value);
    if (date && !Number.isNaN(date.getTime())) return date;
    ctx.addIssue({ code: 'custom', message: ISO_TIME_REFUSED });
    return z.NEVER;
  })
  .refine((d) => d.getTime() > Date.now(), 'must be in the future');
export const SlackUserId = z
  .string()
  .trim()
  .regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id like U024BE7LH');
