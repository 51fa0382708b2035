import { redirect } from 'next/navigation';
import { requireAdminPage } from '../../../src/ui/auth/admin-gate.js';

export const dynamic = 'force-dynamic';

export default async function AdminIndex() {
  await requireAdminPage();
  redirect('/admin/agents');
}
