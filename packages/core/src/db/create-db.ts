import {
  type DatabaseIntrospector,
  type Dialect,
  Kysely,
  Migrator,
  PostgresDialect,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely';
import pg from 'pg';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export interface DbOptions {
  connectionString: string;
  /** Postgres schema for the proxy's tables (search_path). Default `public`. */
  schema?: string;
  /** Pool size. */
  max?: number;
  /** Milliseconds a statement may run before Postgres cancels it. */
  statementTimeoutMs?: number;
}

export interface Db {
  db: Kysely<Database>;
  pool: pg.Pool;
  schema: string;
  /** Epoch ms when a statement through `db` last succeeded (null before the first). */
  lastSuccessAt(): number | null;
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

// timestamptz -> Date (pg default), int8 -> number: counts here stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

/**
 * What kysely's migrator asks of the database (does our schema exist, which tables does it hold), answered
 * for our schema alone. kysely's own Postgres introspector lists every table of every schema in the
 * database and checks each schema's privileges by name: a database shared with other tenants (test runs,
 * other deployments) fails it whenever one of them drops a schema at that moment, and it slows down as
 * the database grows.
 */
class OwnSchemaIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly schema: string,
  ) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`
      SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname = ${this.schema}`.execute(this.db);
    return rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; isView: boolean }>`
      SELECT c.relname AS name, c.relkind IN ('v', 'm') AS "isView"
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = ${this.schema} AND c.relkind IN ('r', 'p', 'v', 'm')`.execute(this.db);
    return rows.map((r) => ({ name: r.name, schema: this.schema, isView: r.isView, columns: [] }));
  }

  async getMetadata(): Promise<{ tables: TableMetadata[] }> {
    return { tables: await this.getTables() };
  }
}

function ownSchemaDialect(inner: Dialect, schema: string): Dialect {
  return {
    createDriver: () => inner.createDriver(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => new OwnSchemaIntrospector(db, schema),
  };
}

export function createDb(options: DbOptions): Db {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const pgOptions = [`-c search_path=${schema}`];
  if (options.statementTimeoutMs) pgOptions.push(`-c statement_timeout=${options.statementTimeoutMs}`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    options: pgOptions.join(' '),
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that errors (e.g. the server restarted) must not crash the process.
  pool.on('error', () => {});
  // Nor may a checked-out one between two statements (inside a transaction): pg emits the error on the
  // client, and an 'error' event without a listener kills the process. The statement that was running
  // or runs next fails with the error instead, and the pool drops the broken client when it comes back.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  let lastSuccessAt: number | null = null;
  const db = new Kysely<Database>({
    dialect: ownSchemaDialect(new PostgresDialect({ pool }), schema),
    // Only a result counts: a failed statement's client is released as successfully as any other.
    plugins: [
      {
        transformQuery: ({ node }) => node,
        transformResult: async ({ result }) => {
          lastSuccessAt = Date.now();
          return result;
        },
      },
    ],
  });
  return {
    db,
    pool,
    schema,
    lastSuccessAt: () => lastSuccessAt,
    close: async () => {
      await db.destroy();
    },
  };
}

/**
 * Creates the schema if needed and applies every pending migration. Instances that boot together take turns
 * through a session advisory lock, so two of them never race to create the schema or the migration tables.
 */
export async function migrateToLatest(handle: Db): Promise<string[]> {
  const { db, schema } = handle;
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(hashtext(${`claude-proxy:migrate:${schema}`}))`.execute(conn);
    try {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(conn);
      const migrator = new Migrator({
        db: conn,
        provider: { getMigrations: async () => migrations },
        migrationTableSchema: schema,
        // Migrations from parallel branches can land in any order; each is independent of the others' tables.
        allowUnorderedMigrations: true,
      });
      const { error, results } = await migrator.migrateToLatest();
      if (error) throw error instanceof Error ? error : new Error(String(error));
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(${`claude-proxy:migrate:${schema}`}))`.execute(conn);
    }
  });
}
