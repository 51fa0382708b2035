import { OpsError, requireRole, userOperator } from '@airlock/ops';
import { forbidden } from 'next/navigation';
import { cache } from 'react';
import { apiContext } from '../../api/runtime-context.js';
import { requirePageUser, type ConsoleUser } from './session.js';

/**
 * For admin pages: the signed-in admin, else an audited refusal (an
 * `operator.forbidden` row, as for every operator action) and a 403 page.
 * Cached per request, so the layout and the page leave one row, not two.
 */
export const requireAdminPage = cache(async (): Promise<ConsoleUser> => {
  const user = await requirePageUser();
  try {
    await requireRole(apiContext(), userOperator({ id: user.userId, role: user.role }, 'console'), 'admin', 'console.admin_pages');
  } catch (error) {
    if (error instanceof OpsError && error.code === 'forbidden') forbidden();
    throw error;
  }
  return user;
});
