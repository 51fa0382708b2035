import pino from 'pino';
import type { LogFormat } from '../env.js';
import { prettyStream } from './pretty.js';
import { censoredPaths, CENSORED, redactedError, redactLogArguments } from './redaction.js';

export type Logger = pino.Logger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface LoggerOptions {
  /** The process: `airlock-worker`, `airlock-console`, … (parts of it log through `logger.child({ component })`). */
  name: string;
  level: LogLevel;
  /** auto = pretty on a terminal, JSON lines otherwise (default). */
  format?: LogFormat;
  /** One stream for every level (tests); default: stdout, warnings and errors on stderr. */
  destination?: NodeJS.WritableStream;
}

/**
 * The one logger factory: JSON lines (or pretty lines on a terminal) with secrets,
 * PII and tool arguments redacted before anything is written.
 */
export function createLogger(options: LoggerOptions): Logger {
  const format = resolveLogFormat(options.format ?? 'auto', options.destination ?? process.stdout);
  const stream = (out: NodeJS.WritableStream) => (format === 'pretty' ? prettyStream(out) : out);
  const destination = options.destination
    ? stream(options.destination)
    : // dedupe: each line goes to the one stream with the highest matching level, so problems land on stderr only.
      pino.multistream(
        [
          { level: 'trace', stream: stream(process.stdout) },
          { level: 'warn', stream: stream(process.stderr) },
        ],
        { dedupe: true },
      );
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
    destination,
  );
}

/** `auto` decided: pretty when a person reads the stream (a terminal), JSON lines otherwise. */
export function resolveLogFormat(format: LogFormat, out: NodeJS.WritableStream = process.stdout): 'json' | 'pretty' {
  if (format !== 'auto') return format;
  return 'isTTY' in out && out.isTTY === true ? 'pretty' : 'json';
}

/** A logger that writes nothing: the default where a caller passes none (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
