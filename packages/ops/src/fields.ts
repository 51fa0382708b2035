import { ActionRequest } from '@airlock/core/action';
import { Rule } from '@airlock/policy/schema';
import { z } from 'zod';

// The fields operator inputs share, with the same rules the gate applies.

export const AgentId = ActionRequest.shape.agentId;
export const ToolName = ActionRequest.shape.tool;
/** A tool name or a glob with one trailing `*` ("payments.*", "*"), as policies write them. */
export const ToolPattern = Rule.shape.tools.element;
export const Team = z.string().trim().min(1, 'must not be empty').max(100);
export const DisplayName = z.string().trim().min(1, 'must not be empty').max(200);
export const Reason = z.string().trim().min(1, 'must not be empty').max(2000);
export const UserRef = z.string().trim().min(1, 'must name a user').max(254);
export const KeyName = z.string().trim().min(1, 'must not be empty').max(100);
/** When a key stops working; must lie in the future. */
export const ExpiresAt = z.coerce.date().refine((d) => d.getTime() > Date.now(), 'must be in the future');
export const SlackUserId = z
  .string()
  .trim()
  .regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id like U024BE7LH');
