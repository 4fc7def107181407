/**
 * Shared setup for the engine's own tests: an engine on a free port in memory mode and a connected
 * `mongodb` client. Tests talk to the engine only through the driver (or mongoose, or a raw socket for
 * wire-level cases), never through its internals.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import {
  startEmbeddedMongo,
  type EmbeddedMongo,
  type EmbeddedMongoOptions,
} from '../../server/embedded-mongo';

export interface EngineFixture {
  engine: EmbeddedMongo;
  client: MongoClient;
  /** A fresh database per call, so tests do not see each other's data. */
  freshDb(): Db;
  close(): Promise<void>;
}

export async function startFixture(options: EmbeddedMongoOptions = {}): Promise<EngineFixture> {
  const engine = await startEmbeddedMongo({ port: 0, durability: 'memory', ...options });
  const client = await MongoClient.connect(engine.uri, { serverSelectionTimeoutMS: 5000 });
  return {
    engine,
    client,
    freshDb: () => client.db(`t_${randomBytes(4).toString('hex')}`),
    async close() {
      await client.close();
      await engine.stop();
    },
  };
}

/**
 * The usual shape of an engine suite: one engine for the `describe` it is called in (started before its
 * tests, stopped after them) and a fresh database before each test, read as `engine.fx` and `engine.db`.
 */
export function useEngine(options: EmbeddedMongoOptions = {}): {
  readonly fx: EngineFixture;
  readonly db: Db;
} {
  let fx: EngineFixture | undefined;
  let db: Db | undefined;
  before(async () => {
    fx = await startFixture(options);
  });
  after(async () => {
    await fx?.close();
  });
  beforeEach(() => {
    db = fx!.freshDb();
  });
  return {
    get fx() {
      if (!fx) throw new Error('the engine is not started yet (use it inside a test)');
      return fx;
    },
    get db() {
      if (!db) throw new Error('no database yet (use it inside a test)');
      return db;
    },
  };
}

/**
 * Schema-less collection type for tests that store numbers, strings and ObjectIds as `_id` alike (the
 * driver's default typing insists on ObjectId).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;
