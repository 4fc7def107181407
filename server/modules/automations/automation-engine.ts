/**
 * Runs automation rules for one trigger occurrence. Each (rule, occurrence key) is claimed once by a unique
 * index before anything runs, so a job processed twice (a retry, a stalled job taken over) acts once. A rule
 * that keeps triggering itself on a conversation stops at the loop cap (`loopCap` runs per rule and
 * conversation within `loopWindowMs`), recorded as `loop_capped`.
 */
import { trusted } from 'mongoose';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { conditionsHold, type AutomationFacts } from './automation-conditions';
import type { AutomationModels, AutomationRuleDoc } from './automation.model';
import type { AutomationAction, AutomationEvent } from './automation.schemas';

/** What actions do, through the owning modules (wired by the hub). */
export interface AutomationPorts {
  loadFacts(conversationId: string, messageId?: string): Promise<AutomationFacts | null>;
  assign(
    conversationId: string,
    input: { teamId?: string | null; assigneeId?: string | null },
  ): Promise<unknown>;
  setPriority(conversationId: string, priority: string): Promise<unknown>;
  setCategory(conversationId: string, category: string): Promise<unknown>;
  updateTags(conversationId: string, input: { add: string[]; remove: string[] }): Promise<unknown>;
  setStatus(conversationId: string, status: string): Promise<unknown>;
  addNote(conversationId: string, text: string): Promise<unknown>;
  notify(conversationId: string, input: { to: string[]; text: string }): Promise<unknown>;
  /** Sends a template to the customer; returns false when the channel's reply window is closed. */
  sendTemplate(conversationId: string, template: string): Promise<boolean>;
  createTask(conversationId: string, input: { title: string; dueAt: Date }): Promise<unknown>;
}

export type TriggerOccurrence =
  | { kind: 'event'; event: AutomationEvent; conversationId: string; key: string; messageId?: string }
  | { kind: 'rule'; ruleId: string; conversationId: string; key: string };

export function createAutomationEngine(deps: {
  models: AutomationModels;
  ports: AutomationPorts;
  clock: Clock;
  logger: Logger;
  loopCap: number;
  loopWindowMs: number;
}) {
  const { Rules, Runs } = deps.models;
  const { ports, clock, logger } = deps;

  async function rulesFor(occurrence: TriggerOccurrence): Promise<AutomationRuleDoc[]> {
    if (occurrence.kind === 'rule') {
      const rule = await Rules.findOne({ _id: occurrence.ruleId, enabled: true }).lean<AutomationRuleDoc>();
      return rule ? [rule] : [];
    }
    return Rules.find({ enabled: true, 'trigger.type': 'event', 'trigger.event': occurrence.event })
      .sort({ order: 1, _id: 1 })
      .limit(200)
      .lean<AutomationRuleDoc[]>();
  }

  async function runAction(conversationId: string, action: AutomationAction): Promise<string> {
    switch (action.type) {
      case 'assign_team':
        await ports.assign(conversationId, { teamId: action.teamId, assigneeId: null });
        return `assign_team:${action.teamId}`;
      case 'assign_agent':
        await ports.assign(conversationId, { assigneeId: action.agentId });
        return `assign_agent:${action.agentId}`;
      case 'set_priority':
        await ports.setPriority(conversationId, action.priority);
        return `set_priority:${action.priority}`;
      case 'set_category':
        await ports.setCategory(conversationId, action.category);
        return `set_category:${action.category}`;
      case 'add_tags':
        await ports.updateTags(conversationId, { add: action.tags, remove: [] });
        return `add_tags:${action.tags.join(',')}`;
      case 'remove_tags':
        await ports.updateTags(conversationId, { add: [], remove: action.tags });
        return `remove_tags:${action.tags.join(',')}`;
      case 'set_status':
        await ports.setStatus(conversationId, action.status);
        return `set_status:${action.status}`;
      case 'add_note':
        await ports.addNote(conversationId, action.text);
        return 'add_note';
      case 'notify':
        await ports.notify(conversationId, { to: action.to, text: action.text });
        return `notify:${action.to.join(',')}`;
      case 'send_template':
        return (await ports.sendTemplate(conversationId, action.template))
          ? `send_template:${action.template}`
          : `send_template:${action.template}:window_closed`;
      case 'create_task':
        await ports.createTask(conversationId, {
          title: action.title,
          dueAt: new Date(clock.now().getTime() + action.dueInMinutes * 60_000),
        });
        return 'create_task';
    }
  }

  /** Claims (rule, key); false when another run already has it. */
  async function claim(rule: AutomationRuleDoc, occurrence: TriggerOccurrence): Promise<string | null> {
    try {
      const [run] = await Runs.create([
        {
          ruleId: String(rule._id),
          key: occurrence.key,
          conversationId: occurrence.conversationId,
          outcome: 'running',
          actions: [],
          at: clock.now(),
        },
      ]);
      return String(run!._id);
    } catch (error) {
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
  }

  async function overLoopCap(rule: AutomationRuleDoc, conversationId: string): Promise<boolean> {
    const since = new Date(clock.now().getTime() - deps.loopWindowMs);
    const recent = await Runs.countDocuments({
      ruleId: String(rule._id),
      conversationId,
      outcome: 'matched',
      at: trusted({ $gte: since }),
    });
    return recent >= deps.loopCap;
  }

  /** Runs every rule of the occurrence in order; returns what each did. */
  async function handle(occurrence: TriggerOccurrence) {
    const results: { ruleId: string; outcome: string; actions: string[] }[] = [];
    for (const rule of await rulesFor(occurrence)) {
      const ruleId = String(rule._id);
      const runId = await claim(rule, occurrence);
      if (!runId) continue;
      const finish = (outcome: string, actions: string[] = [], error?: string) =>
        Runs.updateOne({ _id: runId }, { $set: { outcome, actions, ...(error ? { error } : {}) } });
      if (await overLoopCap(rule, occurrence.conversationId)) {
        logger.warn({ ruleId, conversationId: occurrence.conversationId }, 'automation loop cap reached');
        await finish('loop_capped');
        results.push({ ruleId, outcome: 'loop_capped', actions: [] });
        continue;
      }
      const facts = await ports.loadFacts(
        occurrence.conversationId,
        occurrence.kind === 'event' ? occurrence.messageId : undefined,
      );
      if (!facts || !conditionsHold(rule.conditions, facts)) {
        await finish('not_matched');
        results.push({ ruleId, outcome: 'not_matched', actions: [] });
        continue;
      }
      // Counted before the actions run: the events they emit re-enter here and must see this run.
      await finish('matched');
      const done: string[] = [];
      try {
        for (const action of rule.actions) done.push(await runAction(occurrence.conversationId, action));
        await finish('matched', done);
      } catch (error) {
        logger.error(
          { err: error, ruleId, conversationId: occurrence.conversationId },
          'automation action failed',
        );
        await finish('failed', done, (error as Error).message);
      }
      results.push({ ruleId, outcome: 'matched', actions: done });
    }
    return results;
  }

  return { handle };
}

export type AutomationEngine = ReturnType<typeof createAutomationEngine>;
