import { NewPassword } from '@airlock/db/accounts';
import { z } from 'zod';

/** The "set your password" form; field names double as the labels' ids. */
export const PasswordForm = z
  .object({
    currentPassword: z.string().min(1, 'is required'),
    newPassword: NewPassword,
    confirmPassword: z.string(),
  })
  .refine((form) => form.confirmPassword === form.newPassword, { path: ['confirmPassword'], message: 'does not match the new password' })
  .refine((form) => form.newPassword !== form.currentPassword, { path: ['newPassword'], message: 'must differ from the current one' });

const LABELS: Record<string, string> = { currentPassword: 'Current password', newPassword: 'New password', confirmPassword: 'Repeat new password' };

/** One sentence per bad field, named as the form labels it: "New password must be at least 12 characters." */
export function passwordFormProblems(error: z.ZodError): string {
  return error.issues.map((issue) => `${LABELS[String(issue.path[0])] ?? 'The form'} ${issue.message}.`).join(' ');
}
