/** The shape every command handler has. Handlers are synchronous: a command's checks and changes run
 * without interleaving with any other command, which is what makes unique checks race-free. */
import type { Document } from 'bson';
import type { EngineCore } from '../engine-core';
import type { ConnectionInfo } from '../wire/connection';

export interface CommandContext {
  core: EngineCore;
  /** The database the command was sent to (`$db`). */
  db: string;
  conn: ConnectionInfo;
}

export type CommandHandler = (body: Document, ctx: CommandContext) => Document;
