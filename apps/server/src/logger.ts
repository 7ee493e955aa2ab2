import { type DestinationStream, type Logger, pino } from 'pino';
import { createPrettyStream } from './observability/pretty-stream.js';

/** Paths that may carry a secret; pino replaces their values before a line is written. */
export const REDACT_PATHS = [
  'apiKey',
  'token',
  'authorization',
  'password',
  'secret',
  'credential',
  '*.apiKey',
  '*.token',
  '*.authorization',
  '*.Authorization',
  '*.secret',
  '*.jwt',
  '*.keyHash',
  '*.credential',
  'req.headers.authorization',
  'headers.authorization',
];

/**
 * The spec's line (L2): `{timestamp, level, message, context}`. A request line passes its own `context`;
 * any other line's fields are moved under `context`, and an error stays at `err` with its stack.
 */
function toL2(object: Record<string, unknown>): Record<string, unknown> {
  if ('context' in object) return object;
  const { err, ...rest } = object;
  const line: Record<string, unknown> = {};
  if (err !== undefined) line.err = err;
  if (Object.keys(rest).length > 0) line.context = rest;
  return line;
}

export function createLogger(options: { level: string; pretty?: boolean; destination?: DestinationStream }): Logger {
  const destination = options.destination ?? (options.pretty ? createPrettyStream() : undefined);
  return pino(
    {
      level: options.level,
      messageKey: 'message',
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label.toUpperCase() }), log: toL2 },
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
