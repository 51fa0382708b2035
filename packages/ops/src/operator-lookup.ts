import type { Db } from '@airlock/db';
import { OpsError } from './ops-error.js';
import { userOperator, type Operator, type OperatorChannel } from './operator.js';
import { findUser } from './users/user-row.js';

/** The operator a channel vouches for by user id or email (a Slack link, the CLI's --by): an active user, role fresh from the database. */
export async function operatorForUser(db: Db, who: string, channel: OperatorChannel): Promise<Operator> {
  const user = await findUser(db.pool, who, 'by');
  if (user.disabledAt) throw new OpsError('not_found', `no active user "${who}"`, [{ path: 'by', message: 'no such active user' }]);
  return userOperator(user, channel);
}
