import type { Role } from '@airlock/core';

/** Where an operator action came from; kept in the forbidden-attempt audit rows. */
export type OperatorChannel = 'api' | 'console' | 'cli' | 'slack';

/**
 * Who is acting and with what rights. Every channel builds one from what it
 * trusts (an API key, a console session, a Slack link, the CLI's `--by`) and
 * hands it to the use cases; none of them writes to the database itself.
 */
export interface Operator {
  /** The audit actor: `user:<id>`, or `cli:<os account>` for a CLI run without `--by`. */
  actor: string;
  /** The Airlock user, when the operator is one (separation of duties needs it). */
  userId: string | null;
  role: Role;
  channel: OperatorChannel;
}

export function userOperator(user: { id: string; role: Role }, channel: OperatorChannel): Operator {
  return { actor: `user:${user.id}`, userId: user.id, role: user.role, channel };
}
