/**
 * Admin use cases for business calendars and SLA policies. Every change drops the cached rules and
 * re-evaluates the open conversations (a policy edit applies to them; so does a calendar edit).
 */
import { trusted } from 'mongoose';
import { conflictIfDuplicate } from '../../infra/mongo-errors';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import type { CalendarDoc } from './sla-calendar.model';
import type { SlaPolicyDoc } from './sla-policy.model';
import type {
  CreateCalendarInput,
  CreatePolicyInput,
  UpdateCalendarInput,
  UpdatePolicyInput,
} from './sla.schemas';
import { toObjectId, type SlaStore } from './sla-store';

export type CalendarView = Omit<CalendarDoc, '_id'> & { id: string };
export type PolicyView = Omit<SlaPolicyDoc, '_id'> & { id: string };

const toCalendarView = ({ _id, ...rest }: CalendarDoc): CalendarView => ({ id: String(_id), ...rest });
const toPolicyView = ({ _id, ...rest }: SlaPolicyDoc): PolicyView => ({ id: String(_id), ...rest });

async function uniqueName<T>(write: () => Promise<T>, what: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw conflictIfDuplicate(error, `A ${what} with this name exists.`);
  }
}

export function createSlaAdmin(deps: { store: SlaStore; clock: Clock; onRulesChanged: () => void }) {
  const { store, clock } = deps;
  const { Calendars, Policies } = store;
  const notFound = (what: string) => new AppError('NOT_FOUND', { userMessage: `${what} not found.` });
  const idOf = (id: string, what: string) => {
    const objectId = toObjectId(id);
    if (!objectId) throw notFound(what);
    return objectId;
  };
  const changed = () => {
    store.invalidate();
    deps.onRulesChanged();
  };
  const assertCalendar = async (calendarId: string | null | undefined) => {
    if (calendarId && !(await Calendars.exists({ _id: idOf(calendarId, 'Calendar') })))
      throw new AppError('INVALID_INPUT', { userMessage: 'calendarId: no such calendar.' });
  };
  /** Only one default policy: making one the default clears the flag on the others. */
  const keepOneDefault = async (id: string) => {
    await Policies.updateMany(
      { _id: trusted({ $ne: idOf(id, 'Policy') }), isDefault: true },
      { $set: { isDefault: false } },
    );
  };

  return {
    async listCalendars(): Promise<CalendarView[]> {
      return (await Calendars.find({}).sort({ name: 1 }).limit(500).lean<CalendarDoc[]>()).map(
        toCalendarView,
      );
    },
    async getCalendar(id: string): Promise<CalendarView> {
      const doc = await Calendars.findById(idOf(id, 'Calendar')).lean<CalendarDoc>();
      if (!doc) throw notFound('Calendar');
      return toCalendarView(doc);
    },
    async createCalendar(input: CreateCalendarInput): Promise<CalendarView> {
      const now = clock.now();
      const doc = await uniqueName(
        () => Calendars.create({ ...input, createdAt: now, updatedAt: now }),
        'calendar',
      );
      changed();
      return this.getCalendar(String(doc._id));
    },
    async updateCalendar(id: string, input: UpdateCalendarInput): Promise<CalendarView> {
      const doc = await uniqueName(
        () =>
          Calendars.findByIdAndUpdate(
            idOf(id, 'Calendar'),
            { $set: { ...input, updatedAt: clock.now() } },
            { returnDocument: 'after' },
          )
            .lean<CalendarDoc>()
            .exec(),
        'calendar',
      );
      if (!doc) throw notFound('Calendar');
      changed();
      return toCalendarView(doc);
    },
    async deleteCalendar(id: string): Promise<void> {
      if (await Policies.exists({ calendarId: id }))
        throw new AppError('CONFLICT', { userMessage: 'A policy uses this calendar.' });
      const result = await Calendars.deleteOne({ _id: idOf(id, 'Calendar') });
      if (result.deletedCount === 0) throw notFound('Calendar');
      changed();
    },

    async listPolicies(): Promise<PolicyView[]> {
      return (await Policies.find({}).sort({ order: 1, _id: 1 }).limit(500).lean<SlaPolicyDoc[]>()).map(
        toPolicyView,
      );
    },
    async getPolicy(id: string): Promise<PolicyView> {
      const doc = await Policies.findById(idOf(id, 'Policy')).lean<SlaPolicyDoc>();
      if (!doc) throw notFound('Policy');
      return toPolicyView(doc);
    },
    async createPolicy(input: CreatePolicyInput): Promise<PolicyView> {
      await assertCalendar(input.calendarId);
      const now = clock.now();
      const doc = await uniqueName(
        () => Policies.create({ ...input, createdAt: now, updatedAt: now }),
        'policy',
      );
      if (input.isDefault) await keepOneDefault(String(doc._id));
      changed();
      return this.getPolicy(String(doc._id));
    },
    async updatePolicy(id: string, input: UpdatePolicyInput): Promise<PolicyView> {
      await assertCalendar(input.calendarId);
      const doc = await uniqueName(
        () =>
          Policies.findByIdAndUpdate(
            idOf(id, 'Policy'),
            { $set: { ...input, updatedAt: clock.now() } },
            { returnDocument: 'after' },
          )
            .lean<SlaPolicyDoc>()
            .exec(),
        'policy',
      );
      if (!doc) throw notFound('Policy');
      if (input.isDefault) await keepOneDefault(id);
      changed();
      return toPolicyView(doc);
    },
    async deletePolicy(id: string): Promise<void> {
      const result = await Policies.deleteOne({ _id: idOf(id, 'Policy') });
      if (result.deletedCount === 0) throw notFound('Policy');
      changed();
    },
  };
}

export type SlaAdmin = ReturnType<typeof createSlaAdmin>;
