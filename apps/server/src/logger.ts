import { type DestinationStream, type Logger, pino } from 'pino';

/** Paths that may carry a secret; pino replaces their values before a line is written. */
export const REDACT_PATHS = [
  'apiKey',
  'token',
  'authorization',
  'password',
  'secret',
  '*.apiKey',
  '*.token',
  '*.authorization',
  '*.Authorization',
  '*.secret',
  '*.jwt',
  '*.keyHash',
  'req.headers.authorization',
  'headers.authorization',
  'credential',
  'webhookSecret',
  'jwtSecret',
  'keyHash',
  '*.credential',
  '*.webhookSecret',
  '*.jwtSecret',
  '*.key_hash',
];

/** A URL fit for a log line: the value of `apiKey` (A3's query form) replaced. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]apiKey=)[^&#]*/gi, '$1[redacted]');
}

export function createLogger(options: { level: string; pretty?: boolean; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    options.destination,
  );
}
