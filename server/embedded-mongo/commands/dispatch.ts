/**
 * Command dispatch: finds the handler by the body's first key, refuses what a standalone mongod refuses
 * (transactions: code 20), and turns thrown errors into `{ok: 0, ...}` replies.
 */
import type { Document } from 'bson';
import { EngineError, ErrorCodes } from '../errors';
import { aggregateCommands } from './aggregate-command';
import { bulkWriteCommands } from './bulk-write-command';
import { diagnosticCommands } from './diagnostics';
import { catalogCommands } from './catalog-commands';
import type { CommandContext, CommandHandler } from './command-types';
import { findAndModifyCommands } from './find-and-modify';
import { indexCommands } from './index-commands';
import { readCommands } from './read-commands';
import { serverInfoCommands } from './server-info';
import { writeCommands } from './write-commands';
import { errorReply } from './write-errors';

const handlers = new Map<string, CommandHandler>();

/** Adds handlers to the table (each commands/ file exports its own). */
export function registerCommands(table: Record<string, CommandHandler>): void {
  for (const [name, handler] of Object.entries(table)) handlers.set(name, handler);
}

registerCommands(serverInfoCommands);
registerCommands(writeCommands);
registerCommands(readCommands);
registerCommands(findAndModifyCommands);
registerCommands(indexCommands);
registerCommands(catalogCommands);
registerCommands(aggregateCommands);
registerCommands(diagnosticCommands);
registerCommands(bulkWriteCommands);
registerCommands({
  listCommands: () => ({
    commands: Object.fromEntries([...handlers.keys()].sort().map((n) => [n, { help: '' }])),
    ok: 1,
  }),
});

const TRANSACTION_MESSAGE = 'Transaction numbers are only allowed on a replica set member or mongos';

/** Runs one command synchronously and returns its reply (never throws). */
export function runCommand(body: Document, ctx: CommandContext): Document {
  const name = Object.keys(body)[0];
  try {
    if (name === undefined) throw new EngineError(ErrorCodes.FailedToParse, 'FailedToParse', 'empty command');
    if (
      body.txnNumber !== undefined ||
      body.startTransaction !== undefined ||
      name === 'commitTransaction' ||
      name === 'abortTransaction'
    ) {
      throw new EngineError(ErrorCodes.IllegalOperation, 'IllegalOperation', TRANSACTION_MESSAGE);
    }
    const handler = handlers.get(name);
    if (!handler)
      throw new EngineError(ErrorCodes.CommandNotFound, 'CommandNotFound', `no such command: '${name}'`);
    const reply = handler(body, ctx);
    ctx.core.countCommand(name, false);
    return reply;
  } catch (err) {
    if (name !== undefined && handlers.has(name)) ctx.core.countCommand(name, true);
    if (!(err instanceof EngineError)) ctx.core.remember(`command ${String(name)} failed: ${String(err)}`);
    return errorReply(err);
  }
}
