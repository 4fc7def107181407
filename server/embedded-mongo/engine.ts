/**
 * Request execution with durability: run the command synchronously, then append what it changed to the
 * journal and answer only once that is durable (validate → apply → append → acknowledge).
 */
import type { Document } from 'bson';
import { runCommand } from './commands/dispatch';
import type { EngineCore } from './engine-core';
import type { Persistence, PersistenceLogger } from './persistence/persistence';
import type { ConnectionInfo } from './wire/connection';
import type { WireRequest } from './wire/protocol';

export class Engine {
  constructor(
    readonly core: EngineCore,
    private readonly persistence: Persistence | undefined,
    private readonly logger: PersistenceLogger,
  ) {
    // Without a store nothing reads the change log: do not collect it.
    core.log.enabled = persistence !== undefined;
  }

  /** Wire-layer entry point. */
  handle = async (request: WireRequest, conn: ConnectionInfo): Promise<Document> => {
    let reply: Document;
    let durable: Promise<void> | undefined;
    try {
      reply = runCommand(request.body, { core: this.core, db: request.db, conn });
    } finally {
      // Journal whatever changed, even if the command failed half-way (an ordered batch's first inserts).
      durable = this.flush();
    }
    if (durable) {
      try {
        await durable;
      } catch (err) {
        this.logger.error('embedded-mongo: journal append failed', err);
        return {
          ok: 0,
          errmsg: `write could not be made durable: ${String(err)}`,
          code: 1,
          codeName: 'InternalError',
        };
      }
    }
    return reply;
  };

  /** Runs an internal write (TTL deletions) through the same journal path. */
  runWrite(fn: () => void): Promise<void> {
    let durable: Promise<void> | undefined;
    try {
      fn();
    } finally {
      durable = this.flush();
    }
    return durable ?? Promise.resolve();
  }

  private flush(): Promise<void> | undefined {
    if (!this.persistence || this.core.log.isEmpty) return undefined;
    return this.persistence.append(this.core.log.drain());
  }
}
