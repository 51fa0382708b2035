import type pino from 'pino';

interface Record_ {
  time?: string;
  level?: string;
  name?: string;
  component?: string;
  msg?: string;
  err?: { stack?: string; message?: string };
  [key: string]: unknown;
}

/** Fields every record has, or that the line shows in its own place. */
const SHOWN_ELSEWHERE = new Set(['time', 'level', 'name', 'component', 'msg', 'err', 'pid', 'hostname']);

/**
 * Plain lines for a person at a terminal: `12:00:01.234 INFO  message key=value`.
 * It formats pino's own (already redacted) JSON, so both formats carry the same
 * content; synchronous, so it keeps its order with the launcher's plain output.
 */
export function prettyStream(out: NodeJS.WritableStream): pino.DestinationStream {
  return {
    write(line: string) {
      out.write(formatRecord(JSON.parse(line) as Record_));
    },
  };
}

export function formatRecord(record: Record_): string {
  const clock = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const level = (record.level ?? '').toUpperCase().padEnd(5);
  const component = record.component ? `[${record.component}] ` : '';
  const extras = Object.entries(record)
    .filter(([key]) => !SHOWN_ELSEWHERE.has(key))
    .map(([key, value]) => ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('');
  const stack = record.err?.stack ? `\n    ${record.err.stack.split('\n').join('\n    ')}` : '';
  return `${clock} ${level} ${component}${record.msg ?? record.err?.message ?? ''}${extras}${stack}\n`;
}
