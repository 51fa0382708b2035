import { z } from 'zod';

const units = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "30s", "15m", "4h", "2d" → milliseconds. */
export const Duration = z
  .string()
  .regex(/^[1-9]\d*[smhd]$/, 'a duration like "30s", "15m", "4h" or "2d"')
  .transform((text) => Number(text.slice(0, -1)) * units[text.at(-1) as keyof typeof units]);
