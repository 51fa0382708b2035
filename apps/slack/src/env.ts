import { dbEnv, parseEnv, runtimeEnv, temporalEnv } from '@airlock/core/env';
import { telemetryEnv } from '@airlock/telemetry';
import { z } from 'zod';
import { SlackRoutes } from './routing.js';

/** The one line printed when Slack is not set up; `npm start` goes on without it. */
export const NOT_CONFIGURED_LINE = 'Slack: not configured (SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET unset), skipping';

const RoutesJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"default":"C0123456789","tiers":{"critical":"C0987654321"}}' });
      return z.NEVER;
    }
  })
  .pipe(SlackRoutes);

/** Slack's own settings. Tokens come only from here: never from a file, a message or the database. */
export const slackEnv = z.object({
  SLACK_BOT_TOKEN: z.string().min(1).optional().describe('bot token (xoxb-…); unset = Slack is off'),
  SLACK_SIGNING_SECRET: z.string().min(1).optional().describe('verifies every HTTP request from Slack'),
  SLACK_APP_TOKEN: z.string().min(1).optional().describe('app-level token (xapp-…): Socket Mode instead of the HTTP receiver'),
  SLACK_API_URL: z.url().optional().describe("Slack Web API base URL (ends with /api/); unset = Slack's"),
  AIRLOCK_SLACK_ROUTES: RoutesJson.optional().describe('JSON: {"default": channel, "tiers": {tier: channel}, "teams": {team: channel}, "escalations": {to: channel}}'),
  AIRLOCK_SLACK_PORT: z.coerce.number().int().min(0).max(65535).default(3100),
  AIRLOCK_SLACK_HOST: z.string().min(1).default('0.0.0.0'),
  AIRLOCK_SLACK_DM_ASSIGNEES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  AIRLOCK_CONSOLE_URL: z.url().default('http://localhost:3000').describe('base URL of the console, for "Open in console"'),
  LOG_LEVEL: runtimeEnv.shape.LOG_LEVEL,
  AIRLOCK_LOG_FORMAT: telemetryEnv.shape.AIRLOCK_LOG_FORMAT,
  // Checked by @airlock/codec's parser when this app connects its own Temporal client (see start.ts).
  AIRLOCK_PAYLOAD_KEYS: z.string().optional().describe('payload encryption keys "<id>:<base64 32 bytes>,…", active first; unset = no encryption'),
});
export type SlackEnv = z.infer<typeof slackEnv>;

/** What `startSlackApp` reads from the environment it is given. */
export const slackAppEnv = slackEnv.superRefine((env, ctx) => {
  if (slackConfigured(env) && !env.AIRLOCK_SLACK_ROUTES) {
    ctx.addIssue({ code: 'custom', path: ['AIRLOCK_SLACK_ROUTES'], message: 'is required when Slack is configured: where approvals are posted' });
  }
});
export type SlackAppEnv = z.infer<typeof slackAppEnv>;

/** The standalone entry (`npm start -w @airlock/slack`) also needs Temporal and the database. */
export const standaloneEnv = slackEnv
  .extend(temporalEnv.shape)
  .extend(dbEnv.shape)
  .extend(telemetryEnv.shape)
  .extend({
    TEMPORAL_ADDRESS: temporalEnv.shape.TEMPORAL_ADDRESS.nonoptional('is required: host:port of the Temporal frontend'),
    DATABASE_URL: dbEnv.shape.DATABASE_URL.nonoptional('is required: postgresql:// URL of the Airlock database'),
  });

/** Slack runs when it has a bot token and a way to receive interactions (signing secret, or an app token for Socket Mode). */
export function slackConfigured(env: Pick<SlackEnv, 'SLACK_BOT_TOKEN' | 'SLACK_SIGNING_SECRET' | 'SLACK_APP_TOKEN'>): boolean {
  return Boolean(env.SLACK_BOT_TOKEN && (env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN));
}

/** The environment this process was started with, for `startSlackApp({ env })`. */
export function processEnvironment(): Record<string, string | undefined> {
  return process.env;
}

export function readSlackAppEnv(source: Record<string, string | undefined> = process.env): SlackAppEnv {
  return parseEnv(slackAppEnv, source);
}

export function readStandaloneEnv(source: Record<string, string | undefined> = process.env) {
  return parseEnv(standaloneEnv, source);
}
