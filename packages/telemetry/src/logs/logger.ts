import pino from 'pino';
import type { LogFormat } from '../env.js';
import { prettyStream } from './pretty.js';
import { censoredPaths, CENSORED, redactedError, redactLogArguments } from './redaction.js';

export type Logger = pino.Logger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface LoggerOptions {
  /** The process: `airlock-worker`, `airlock-console`, … (children add a component: `logger.child({ name })`). */
  name: string;
  level: LogLevel;
  /** auto = pretty on a terminal, JSON lines otherwise (default). */
  format?: LogFormat;
  /** Where lines go; default stdout. */
  destination?: NodeJS.WritableStream;
}

/**
 * The one logger factory: JSON lines (or pretty lines on a terminal) with secrets,
 * PII and tool arguments redacted before anything is written.
 */
export function createLogger(options: LoggerOptions): Logger {
  const out = options.destination ?? process.stdout;
  const pretty = options.format === 'pretty' || (options.format !== 'json' && 'isTTY' in out && out.isTTY === true);
  return pino(
    {
      name: options.name,
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not numbers: what log pipelines and people filter on.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: censoredPaths, censor: CENSORED },
      serializers: { err: redactedError, error: redactedError },
      hooks: {
        logMethod(args, method) {
          method.apply(this, redactLogArguments(args) as Parameters<pino.LogFn>);
        },
      },
    },
    pretty ? prettyStream(out, options.name) : out,
  );
}

/** A logger that writes nothing: the default where a caller passes none (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
