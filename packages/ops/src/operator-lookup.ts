import type { Db } from '@airlock/db';
import { OpsError } from './errors.js';
import { userOperator, type Operator, type OperatorChannel } from './operator.js';

/** The operator a channel vouches for by user id (a Slack link, the CLI's --by): an active user, role fresh from the database. */
export async function operatorForUser(db: Db, userId: string, channel: OperatorChannel): Promise<Operator> {
  const user = await db.prisma.user.findUnique({ where: { id: userId }, select: { id: true, role: true, disabledAt: true } });
  if (!user || user.disabledAt) throw new OpsError('not_found', `no active user "${userId}"`, [{ path: 'by', message: 'no such active user' }]);
  return userOperator(user, channel);
}
