import pg from 'pg';
import type { Logger } from '../util/logger.js';

export type NotifyHandler = (payload: string) => void;

/**
 * Cross-instance signals (cache invalidation, key revocation) over Postgres LISTEN/NOTIFY.
 * One dedicated connection listens; it reconnects with backoff and calls `onReconnect` handlers so
 * subscribers can drop whatever they may have missed while it was down.
 */
export interface Notifier {
  /** Resolves once the LISTEN is active, so a publish after it is seen. */
  subscribe(channel: string, handler: NotifyHandler): Promise<void>;
  publish(channel: string, payload: string): Promise<void>;
  /** The Postgres channel name behind `channel`, for a `pg_notify` sent inside a transaction (fires on commit). */
  channelName(channel: string): string;
  onReconnect(handler: () => void): void;
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

export function createPgNotifier(options: {
  connectionString: string;
  /** Prefix for channel names so several deployments (or test schemas) on one database do not mix. */
  namespace: string;
  pool: pg.Pool;
  logger: Logger;
}): Notifier {
  const handlers = new Map<string, NotifyHandler[]>();
  const reconnectHandlers: (() => void)[] = [];
  let client: pg.Client | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let backoff = 100;
  /** One query at a time on the LISTEN connection: subscribers that arrive together queue here. */
  let listening: Promise<unknown> = Promise.resolve();
  const listen = (c: pg.Client, name: string): Promise<unknown> => {
    listening = listening.then(() => c.query(`LISTEN ${name}`)).catch(() => {});
    return listening;
  };
  const full = (channel: string) => {
    const name = `${options.namespace}_${channel}`;
    if (!CHANNEL.test(name)) throw new Error(`invalid channel: ${name}`);
    return name;
  };

  const connect = async (isReconnect: boolean): Promise<void> => {
    const c = new pg.Client({ connectionString: options.connectionString });
    c.on('notification', (msg) => {
      const list = handlers.get(msg.channel);
      if (list) for (const h of list) h(msg.payload ?? '');
    });
    c.on('error', () => scheduleReconnect(c));
    c.on('end', () => scheduleReconnect(c));
    try {
      await c.connect();
      for (const channel of handlers.keys()) await c.query(`LISTEN ${channel}`);
      client = c;
      backoff = 100;
      if (isReconnect) for (const h of reconnectHandlers) h();
    } catch (error) {
      options.logger.warn({ err: (error as Error).message }, 'notifier connection failed; retrying');
      c.end().catch(() => {});
      scheduleReconnect(c);
    }
  };

  const scheduleReconnect = (c: pg.Client) => {
    if (closed || retryTimer || (client !== undefined && client !== c)) return;
    client = undefined;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect(true);
    }, backoff);
    backoff = Math.min(backoff * 2, 5_000);
  };

  const ready = connect(false);

  return {
    async subscribe(channel, handler) {
      const name = full(channel);
      const list = handlers.get(name);
      if (list) {
        list.push(handler);
        return;
      }
      handlers.set(name, [handler]);
      await ready;
      if (client) await listen(client, name);
    },
    async publish(channel, payload) {
      await options.pool.query('SELECT pg_notify($1, $2)', [full(channel), payload]);
    },
    channelName: full,
    onReconnect(handler) {
      reconnectHandlers.push(handler);
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      await ready;
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
