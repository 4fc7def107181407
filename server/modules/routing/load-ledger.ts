import mongoose from 'mongoose';
import type { CapacityChannel } from '../agents';
import type { Clock } from '../../lib/clock';
import type { RoutingModels } from './routing.models';

const op = <T extends object>(operator: T): T => mongoose.trusted(operator);

/**
 * Agent load, changed only by atomic `$inc`s on the presence document. `reserve` is guarded by capacity
 * (the one check that makes "never over capacity" true across processes); `hold` is unguarded (a
 * supervisor's forced assignment, a customer coming back to their agent). Every change is logged with the
 * load the update returned.
 */
export function createLoadLedger(deps: { models: RoutingModels; clock: Clock }) {
  const { Presence, RoutingLog } = deps.models;

  async function log(entry: {
    agentId: string;
    conversationId: string;
    kind: 'reserved' | 'released' | 'assigned' | 'held';
    capacityClass: CapacityChannel;
    loadAfter: number;
    capacity: number | null;
  }): Promise<void> {
    await RoutingLog.create({ at: deps.clock.now(), ...entry });
  }

  return {
    /** Takes one slot of `capacityClass` if the agent is online and below `capacity`. */
    async reserve(input: {
      agentId: string;
      capacityClass: CapacityChannel;
      capacity: number;
      conversationId: string;
    }) {
      const path = `load.${input.capacityClass}`;
      const updated = await Presence.findOneAndUpdate(
        { _id: input.agentId, status: 'online', [path]: op({ $lt: input.capacity }) },
        { $inc: { [path]: 1 }, $set: { updatedAt: deps.clock.now() } },
        { returnDocument: 'after' },
      ).lean();
      if (!updated) return false;
      await log({ ...input, kind: 'reserved', loadAfter: updated.load[input.capacityClass] });
      return true;
    },

    /** Adds one unit of load whatever the capacity (creates the presence record when missing). */
    async hold(input: { agentId: string; capacityClass: CapacityChannel; conversationId: string }) {
      const path = `load.${input.capacityClass}`;
      const now = deps.clock.now();
      const updated = await Presence.findOneAndUpdate(
        { _id: input.agentId },
        {
          $inc: { [path]: 1 },
          $set: { updatedAt: now },
          $setOnInsert: { status: 'offline', idleSince: now },
        },
        { returnDocument: 'after', upsert: true },
      ).lean();
      await log({ ...input, kind: 'held', loadAfter: updated.load[input.capacityClass], capacity: null });
    },

    /** Gives one slot back; never below zero. Resolves with the agent's total load after it. */
    async release(input: { agentId: string; capacityClass: CapacityChannel; conversationId: string }) {
      const path = `load.${input.capacityClass}`;
      const updated = await Presence.findOneAndUpdate(
        { _id: input.agentId, [path]: op({ $gt: 0 }) },
        { $inc: { [path]: -1 }, $set: { updatedAt: deps.clock.now() } },
        { returnDocument: 'after' },
      ).lean();
      if (!updated) return null;
      await log({ ...input, kind: 'released', loadAfter: updated.load[input.capacityClass], capacity: null });
      const total = Object.values(updated.load).reduce((sum, n) => sum + n, 0);
      if (total === 0)
        await Presence.updateOne({ _id: input.agentId }, { $set: { idleSince: deps.clock.now() } });
      return total;
    },

    /** Marks a reservation as now carrying an assignment (for the audit log only). */
    async logAssigned(input: {
      agentId: string;
      capacityClass: CapacityChannel;
      conversationId: string;
      capacity: number;
    }) {
      const presence = await Presence.findById(input.agentId).lean();
      await log({ ...input, kind: 'assigned', loadAfter: presence?.load[input.capacityClass] ?? 0 });
    },
  };
}

export type LoadLedger = ReturnType<typeof createLoadLedger>;
