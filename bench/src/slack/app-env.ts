/** The Slack app's environment for a bench run: loopback fake of Slack's Web API, one approvals channel, a free port. */
export function benchSlackEnv(options: { botToken: string; signingSecret: string; apiUrl: string }): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: options.botToken,
    SLACK_SIGNING_SECRET: options.signingSecret,
    SLACK_API_URL: options.apiUrl,
    AIRLOCK_SLACK_ROUTES: JSON.stringify({ default: 'C_APPROVALS' }),
    AIRLOCK_SLACK_PORT: '0',
    AIRLOCK_SLACK_HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
  };
}
