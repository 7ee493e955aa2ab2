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

/** The unredacted twin of each logger made by createLogger (see `requestLineLogger`). */
const requestLineLoggers = new WeakMap<object, Logger>();

/**
 * The logger for the one line per request. That line is built field by field from known values (ids,
 * route, status, timings, an error's code and message), never from headers, bodies or query strings,
 * so it cannot carry a secret: it skips the redaction pass, which with wildcard paths costs more than
 * the rest of the line. Anything else, and any request line with an error object, uses `logger`.
 */
export function requestLineLogger(logger: Logger): Logger {
  return requestLineLoggers.get(logger) ?? logger;
}

let lastMs = 0;
let lastStamp = '';
/** The line's timestamp; lines within one millisecond share the formatted string. */
function timestamp(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastStamp = `,"timestamp":"${new Date(now).toISOString()}"`;
  }
  return lastStamp;
}

/**
 * stdout, written synchronously once per event-loop turn: the lines logged while one turn's callbacks run
 * go out in one `write` after them (setImmediate), so an answer's own write is never behind its log line.
 * pino's default destination writes each line through the libuv thread pool instead: per line a worker
 * thread is woken and the event loop is woken again when it is done, which at low concurrency is most of a
 * log line's cost, and lines queue in memory without bound when stdout is slower than the server. Here a
 * slow stdout makes the server wait (sonic-boom retries EAGAIN), a line is held at most one turn, and what
 * is held when the process exits is written on the way out.
 */
export function stdoutDestination(): DestinationStream {
  stdout ??= turnBatched(pino.destination({ dest: 1, sync: true }));
  return stdout;
}
/** One per process: every logger of it (tests start many servers) shares the stream and its exit hook. */
let stdout: DestinationStream | undefined;

function turnBatched(out: DestinationStream): DestinationStream {
  let held = '';
  const flush = () => {
    const lines = held;
    held = '';
    if (lines !== '') out.write(lines);
  };
  process.on('exit', flush);
  return {
    write(line: string) {
      if (held === '') setImmediate(flush);
      held += line;
    },
  };
}

export function createLogger(options: { level: string; pretty?: boolean; destination?: DestinationStream }): Logger {
  // One stream for both loggers below.
  const destination = options.destination ?? (options.pretty ? createPrettyStream() : stdoutDestination());
  const settings = {
    level: options.level,
    messageKey: 'message',
    timestamp,
    formatters: { level: (label: string) => ({ level: label.toUpperCase() }), log: toL2 },
    base: undefined,
    // A child's bindings join each call's fields (the call's own win), so `toL2` moves them under `context`.
    mixin: (_object: object, _level: number, instance: object) => ({ ...contextBindings.get(instance) }),
  };
  const logger = pino({ ...settings, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
  requestLineLoggers.set(logger, pino(settings, destination));
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
