/**
 * The engine's in-memory state shared by every command: catalog, cursors, the change log of the command
 * being executed, and static facts (start time, options) that diagnostic commands report.
 */
import { Catalog } from './catalog/catalog';
import { CursorRegistry } from './cursors/cursor-registry';
import { ChangeLog } from './persistence/journal-format';
import type { DurabilityMode } from './storage/durable-store.types';

/** Version facts: wire version 21 is MongoDB 7.0, so the engine introduces itself as 7.0. */
export const SERVER_VERSION = '7.0.0';
export const MAX_WIRE_VERSION = 21;

export interface EngineSettings {
  host: string;
  port: number;
  dataDir: string | undefined;
  durability: DurabilityMode;
  /** Aggregation stages the native path knows run on stored documents (see semantics/native-pipeline). */
  nativeAggregation: boolean;
}

export class EngineCore {
  readonly log = new ChangeLog();
  readonly catalog = new Catalog(this.log);
  readonly cursors: CursorRegistry;
  readonly startedAt = Date.now();
  /** Filled in once the listener is up (serverStatus reports connection counts). */
  connectionStats: () => { current: number; totalCreated: number } = () => ({ current: 0, totalCreated: 0 });
  /** Recent log lines for `getLog`. */
  readonly recentLog: string[] = [];
  /** Commands run since start, by name (serverStatus reports them as `metrics.commands`, like mongod). */
  readonly commandCounts = new Map<string, { total: number; failed: number }>();

  constructor(
    readonly settings: EngineSettings,
    cursorIdleTimeoutMs?: number,
  ) {
    this.cursors = new CursorRegistry(cursorIdleTimeoutMs);
  }

  countCommand(name: string, failed: boolean): void {
    let count = this.commandCounts.get(name);
    if (!count) {
      count = { total: 0, failed: 0 };
      this.commandCounts.set(name, count);
    }
    count.total++;
    if (failed) count.failed++;
  }

  remember(line: string): void {
    this.recentLog.push(`${new Date().toISOString()} ${line}`);
    if (this.recentLog.length > 1024) this.recentLog.shift();
  }
}
