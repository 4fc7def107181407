import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { BusinessCalendar, Holiday, TimeRange, Weekday } from './business-calendar';

const rangeSchema = new Schema(
  { start: { type: String, required: true }, end: { type: String, required: true } },
  { _id: false },
);
const weekly = Object.fromEntries(
  (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((day) => [
    day,
    { type: [rangeSchema], default: [] },
  ]),
);

/** A business calendar (DESIGN §4 `calendars`): timezone, several working ranges per weekday, holidays. */
export const calendarSchema = new Schema(
  {
    name: { type: String, required: true, trim: true },
    timezone: { type: String, required: true },
    weekly: { type: new Schema(weekly, { _id: false }), required: true },
    holidays: {
      type: [
        new Schema(
          {
            date: { type: String, required: true },
            name: String,
            ranges: { type: [rangeSchema], default: undefined },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'calendars', versionKey: false },
);
calendarSchema.index({ name: 1 }, { unique: true });

export interface CalendarDoc {
  _id: Types.ObjectId;
  name: string;
  timezone: string;
  weekly: Partial<Record<Weekday, TimeRange[]>>;
  holidays: Holiday[];
  createdAt: Date;
  updatedAt: Date;
}

export type CalendarModel = Model<CalendarDoc>;

export function calendarModel(connection: Connection): CalendarModel {
  return (
    (connection.models.SlaCalendar as CalendarModel | undefined) ??
    connection.model<CalendarDoc>('SlaCalendar', calendarSchema)
  );
}

/** The pure calendar of a stored one. */
export function toBusinessCalendar(
  doc: Pick<CalendarDoc, 'timezone' | 'weekly' | 'holidays'>,
): BusinessCalendar {
  return { timezone: doc.timezone, weekly: doc.weekly, holidays: doc.holidays };
}
