import type { DestinationStream } from 'pino';

const COLORS: Record<string, string> = {
  FATAL: '\x1b[41m',
  ERROR: '\x1b[31m',
  WARN: '\x1b[33m',
  INFO: '\x1b[32m',
  DEBUG: '\x1b[36m',
  TRACE: '\x1b[90m',
};
const RESET = '\x1b[0m';

/** One JSON line as `12:00:00.123 INFO  message {context}` (plus the stack of an error). */
export function prettyLine(line: string, color: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { timestamp, level, message, err, ...rest } = record;
  const time = typeof timestamp === 'string' ? timestamp.slice(11, 23) : '';
  const label = String(level ?? '').padEnd(5);
  const paint = color ? `${COLORS[String(level)] ?? ''}${label}${RESET}` : label;
  const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest.context ?? rest)}` : '';
  const stack =
    err && typeof err === 'object' && 'stack' in err ? `\n${String((err as { stack: unknown }).stack)}` : '';
  return `${time} ${paint} ${String(message ?? '')}${extra}${stack}\n`;
}

/**
 * LOG_PRETTY=true: human-readable lines for development, without a transport worker or a dependency.
 * The JSON is produced (and redacted) as usual and only reformatted here.
 */
export function createPrettyStream(out: NodeJS.WritableStream = process.stdout): DestinationStream {
  const color = Boolean((out as { isTTY?: boolean }).isTTY);
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line.trim()) out.write(prettyLine(line, color));
    },
  };
}
