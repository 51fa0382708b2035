import type { Logger as AirlockLogger } from '@airlock/telemetry';
import { LogLevel, type Logger } from '@slack/bolt';

const PINO_LEVEL: Record<LogLevel, 'debug' | 'info' | 'warn' | 'error'> = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

/**
 * Bolt's Logger interface over the Airlock logger: the app, Bolt and its Web API
 * client write the same redacted JSON lines as every other Airlock process.
 */
export function slackLogger(base: AirlockLogger, level: `${LogLevel}`): Logger {
  let threshold = level as LogLevel;
  let logger = base.child({ component: 'slack' }, { level: PINO_LEVEL[threshold] });
  const at =
    (entry: LogLevel) =>
    (...msg: unknown[]) => {
      // Bolt passes loose arguments; an Error among them keeps its (redacted) stack.
      const error = msg.find((m): m is Error => m instanceof Error);
      const text = msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
      if (error) logger[PINO_LEVEL[entry]]({ err: error }, text);
      else logger[PINO_LEVEL[entry]](text);
    };
  return {
    debug: at(LogLevel.DEBUG),
    info: at(LogLevel.INFO),
    warn: at(LogLevel.WARN),
    error: at(LogLevel.ERROR),
    setLevel: (next) => {
      threshold = next;
      logger.level = PINO_LEVEL[next];
    },
    getLevel: () => threshold,
    setName: (name) => {
      logger = base.child({ component: `slack:${name}` }, { level: PINO_LEVEL[threshold] });
    },
  };
}
