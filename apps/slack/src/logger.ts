import { LogLevel, type Logger } from '@slack/bolt';

const RANK: Record<LogLevel, number> = { [LogLevel.DEBUG]: 0, [LogLevel.INFO]: 1, [LogLevel.WARN]: 2, [LogLevel.ERROR]: 3 };

/** Bolt's Logger interface over the console, one prefix for the app, Bolt and its Web API client alike. */
export function slackLogger(level: `${LogLevel}`): Logger {
  let threshold = level as LogLevel;
  let prefix = '[slack]';
  const at =
    (entry: LogLevel, write: (...data: unknown[]) => void) =>
    (...msg: unknown[]) => {
      if (RANK[entry] >= RANK[threshold]) write(prefix, ...msg);
    };
  return {
    debug: at(LogLevel.DEBUG, console.debug),
    info: at(LogLevel.INFO, console.info),
    warn: at(LogLevel.WARN, console.warn),
    error: at(LogLevel.ERROR, console.error),
    setLevel: (next) => {
      threshold = next;
    },
    getLevel: () => threshold,
    setName: (name) => {
      prefix = `[slack:${name}]`;
    },
  };
}
