import { type Bindings, type ChildLoggerOptions, type DestinationStream, type Logger, pino } from 'pino';
import { createPrettyStream } from './observability/pretty-stream.js';

const SECRET_KEYS = [
  'apiKey',
  'token',
  'authorization',
  'Authorization',
  'password',
  'secret',
  'credential',
  'jwt',
  'keyHash',
  'key_hash',
  'webhookSecret',
  'jwtSecret',
];

/**
 * Paths that may carry a secret; pino replaces their values before a line is written. Redaction runs on
 * the line's final shape (after the fields moved under `context`), hence the `context.*` forms: a secret
 * key is caught at the top of a log call's object and one level down.
 */
export const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `context.*.${key}`]),
  'context.req.headers.authorization',
  'context.*.headers.authorization',
];

/** A URL fit for a log line: the value of `apiKey` (A3's query form) replaced. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]apiKey=)[^&#]*/gi, '$1[redacted]');
}

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

/** A child logger's bindings, kept off the line's top level (L2 allows only the spec's keys there). */
const contextBindings = new WeakMap<object, Record<string, unknown>>();

export function createLogger(options: { level: string; pretty?: boolean; destination?: DestinationStream }): Logger {
  const destination = options.destination ?? (options.pretty ? createPrettyStream() : undefined);
  const logger = pino(
    {
      level: options.level,
      messageKey: 'message',
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label.toUpperCase() }), log: toL2 },
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // A child's bindings join each call's fields (the call's own win), so `toL2` moves them under `context`.
      mixin: (_object, _level, instance) => ({ ...contextBindings.get(instance) }),
    },
    destination,
  );
  // pino writes child bindings verbatim at the top of every line; keep them for the mixin instead. Children
  // are created with Object.create(parent), so this override is inherited by every descendant.
  type ChildFn = (this: object, bindings: Bindings, childOptions?: ChildLoggerOptions) => object;
  const pinoChild = logger.child as unknown as ChildFn;
  const child: ChildFn = function child(bindings, childOptions) {
    const created = pinoChild.call(this, {}, childOptions);
    contextBindings.set(created, { ...contextBindings.get(this), ...bindings });
    return created;
  };
  logger.child = child as unknown as Logger['child'];
  return logger;
}
