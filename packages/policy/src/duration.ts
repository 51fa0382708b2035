import { z } from 'zod';

const units = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * The longest duration a policy or a backtest window may name: ten years. Longer ones pass the pattern but break
 * what they time: a deadline past JavaScript's last date (about 273,000 years from now) cannot be written, and a
 * timer past Temporal's ten thousand years is refused, so every admission the rule matched would fail on every retry.
 */
export const MAX_DURATION_DAYS = 3_650;

/** "30s", "15m", "4h", "2d" → milliseconds. */
export const Duration = z
  .string()
  .regex(/^[1-9]\d*[smhd]$/, 'a duration like "30s", "15m", "4h" or "2d"')
  .transform((text) => Number(text.slice(0, -1)) * units[text.at(-1) as keyof typeof units])
  .refine((ms) => ms <= MAX_DURATION_DAYS * units.d, `at most ${MAX_DURATION_DAYS}d (ten years)`);
