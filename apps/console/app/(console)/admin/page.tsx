import { redirect } from 'next/navigation';
import { requireAdminPage } from '../../../src/console/admin-gate.js';

export const dynamic = 'force-dynamic';

export default async function AdminIndex() {
  await requireAdminPage();
  redirect('/admin/agents');
}
