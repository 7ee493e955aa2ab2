import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { prettyLine } from './pretty-stream.js';

describe('prettyLine (LOG_PRETTY)', () => {
  it('turns an L2 line into time, level, message and context', () => {
    const line = JSON.stringify({
      level: 'INFO',
      timestamp: '2026-04-15T14:30:00.123Z',
      message: 'request completed',
      context: { requestId: 'r1', status: 200 },
    });
    expect(prettyLine(line, false)).toBe('14:30:00.123 INFO  request completed {"requestId":"r1","status":200}\n');
  });

  it('adds the stack of an error and passes non-JSON through', () => {
    const line = JSON.stringify({
      level: 'ERROR',
      timestamp: 't',
      message: 'boom',
      err: { stack: 'Error: x\n  at y' },
    });
    expect(prettyLine(line, false)).toContain('\nError: x\n  at y');
    expect(prettyLine('not json', false)).toBe('not json');
  });
});

describe('createLogger', () => {
  it('writes L2 lines: fields under context, err at the top, secrets redacted', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (s: string) => lines.push(s) } });
    logger.info({ url: 'http://x', apiKey: 'sk_live_secret', nested: { authorization: 'Bearer sk' } }, 'hello');
    logger.error({ err: new Error('bad'), requestId: 'r' }, 'failed');
    const [info, error] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(info).toMatchObject({
      level: 'INFO',
      message: 'hello',
      context: { url: 'http://x', apiKey: '[redacted]', nested: { authorization: '[redacted]' } },
    });
    expect(Object.keys(info!).sort()).toEqual(['context', 'level', 'message', 'timestamp']);
    expect(error).toMatchObject({ level: 'ERROR', err: { message: 'bad' }, context: { requestId: 'r' } });
    expect(lines.join('')).not.toContain('sk_live_secret');
  });
});
