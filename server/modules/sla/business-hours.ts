import { isBusinessTime, nextBusinessTime, type BusinessCalendar } from './business-calendar';

/** Whether an inbox's team is open now, and when it opens next (IVR after-hours, web chat "back at"). */
export interface InboxBusinessHours {
  isOpen(input: { inboxId: string; at: Date }): Promise<boolean>;
  /** The next opening at or after `at`; null when the inbox has no calendar (always open) or never opens. */
  nextOpening(input: { inboxId: string; at: Date }): Promise<Date | null>;
}

/**
 * Business hours of an inbox from the SLA module's calendars: the calendar of the inbox's team. Inboxes
 * without a team or a calendar (config-defined ones) are always open.
 */
export function createInboxBusinessHours(deps: {
  findInboxTeamId(inboxId: string): Promise<string | null>;
  findTeamCalendarId(teamId: string): Promise<string | null>;
  findCalendar(calendarId: string): Promise<BusinessCalendar | null>;
}): InboxBusinessHours {
  const calendarOf = async (inboxId: string): Promise<BusinessCalendar | null> => {
    const teamId = await deps.findInboxTeamId(inboxId);
    const calendarId = teamId ? await deps.findTeamCalendarId(teamId) : null;
    return calendarId ? deps.findCalendar(calendarId) : null;
  };
  return {
    async isOpen({ inboxId, at }) {
      const calendar = await calendarOf(inboxId);
      return calendar ? isBusinessTime(calendar, at) : true;
    },
    async nextOpening({ inboxId, at }) {
      const calendar = await calendarOf(inboxId);
      if (!calendar) return null;
      try {
        return nextBusinessTime(calendar, at);
      } catch {
        return null; // a calendar with no working time ahead: nothing to promise
      }
    },
  };
}
