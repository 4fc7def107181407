/** Business calendars: a time zone, several ranges per weekday, and holidays (closed, or special hours). */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { WEEKDAY_VALUES } from '../i18n/enums';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { CalendarView, TimeRange, Weekday } from '../lib/api-types';
import { AdminForm, AdminSection, EditSlot, Field, useSave, type Editing } from './form-bits';

const KEY = ['calendars'] as const;
const WORKDAY: TimeRange[] = [
  { start: '09:00', end: '12:00' },
  { start: '13:00', end: '18:00' },
];

function CalendarForm(props: { calendar: CalendarView | null; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { calendar } = props;
  const [name, setName] = useState(calendar?.name ?? '');
  const [timezone, setTimezone] = useState(calendar?.timezone ?? 'Asia/Shanghai');
  const [weekly, setWeekly] = useState<Partial<Record<Weekday, TimeRange[]>>>(
    calendar?.weekly ?? { mon: WORKDAY, tue: WORKDAY, wed: WORKDAY, thu: WORKDAY, fri: WORKDAY },
  );
  const [holidays, setHolidays] = useState(calendar?.holidays ?? []);
  const { run, feedback } = useSave([KEY]);

  const setRanges = (day: Weekday, ranges: TimeRange[]) => setWeekly({ ...weekly, [day]: ranges });
  const save = async () => {
    const body = { name, timezone, weekly, holidays };
    if (
      await run(() =>
        calendar ? apiClient.sla.updateCalendar(calendar.id, body) : apiClient.sla.createCalendar(body),
      )
    )
      props.onDone();
  };

  return (
    <AdminForm label={t('calendars')} onSubmit={save} feedback={feedback} onCancel={props.onDone}>
      <Field label={t('name')} value={name} onValue={setName} required />
      <Field label={t('timezone')} value={timezone} onValue={setTimezone} required />
      <fieldset>
        <legend>{t('weekly')}</legend>
        {WEEKDAY_VALUES.map((day) => {
          const ranges = weekly[day] ?? [];
          return (
            <div key={day} className="day-row" data-day={day}>
              <strong>{i18n.weekday(day)}</strong>
              {ranges.length === 0 && <span className="muted">{t('closedDay')}</span>}
              {ranges.map((range, index) => (
                <span key={index} className="range">
                  <input
                    type="time"
                    aria-label={`${i18n.weekday(day)} ${index + 1} ${t('from')}`}
                    value={range.start}
                    onChange={(e) =>
                      setRanges(
                        day,
                        ranges.map((r, i) => (i === index ? { ...r, start: e.target.value } : r)),
                      )
                    }
                  />
                  –
                  <input
                    type="time"
                    aria-label={`${i18n.weekday(day)} ${index + 1} ${t('to')}`}
                    value={range.end}
                    onChange={(e) =>
                      setRanges(
                        day,
                        ranges.map((r, i) => (i === index ? { ...r, end: e.target.value } : r)),
                      )
                    }
                  />
                  <button
                    type="button"
                    aria-label={t('remove')}
                    onClick={() =>
                      setRanges(
                        day,
                        ranges.filter((_, i) => i !== index),
                      )
                    }
                  >
                    ✕
                  </button>
                </span>
              ))}
              <button
                type="button"
                onClick={() => setRanges(day, [...ranges, { start: '09:00', end: '18:00' }])}
              >
                + {t('addRange')}
              </button>
            </div>
          );
        })}
      </fieldset>
      <fieldset>
        <legend>{t('holidays')}</legend>
        {holidays.map((holiday, index) => (
          <div key={index} className="holiday">
            <input
              type="date"
              aria-label={`${t('date')} ${index + 1}`}
              value={holiday.date}
              onChange={(e) =>
                setHolidays(holidays.map((h, i) => (i === index ? { ...h, date: e.target.value } : h)))
              }
            />
            <input
              aria-label={`${t('holidayName')} ${index + 1}`}
              placeholder={t('holidayName')}
              value={holiday.name ?? ''}
              onChange={(e) =>
                setHolidays(holidays.map((h, i) => (i === index ? { ...h, name: e.target.value } : h)))
              }
            />
            <button type="button" onClick={() => setHolidays(holidays.filter((_, i) => i !== index))}>
              {t('remove')}
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setHolidays([...holidays, { date: '', name: '' }])}>
          + {t('addHoliday')}
        </button>
      </fieldset>
    </AdminForm>
  );
}

export function CalendarsAdmin() {
  const i18n = useI18n();
  const { t } = i18n;
  const list = useQuery({ queryKey: KEY, queryFn: apiClient.sla.calendars });
  const [editing, setEditing] = useState<Editing<CalendarView>>(null);
  return (
    <AdminSection title={t('calendars')} onNew={() => setEditing('new')} error={list.error}>
      <EditSlot
        editing={editing}
        onClose={() => setEditing(null)}
        render={(calendar, close) => <CalendarForm calendar={calendar} onDone={close} />}
      />
      <table>
        <thead>
          <tr>
            <th>{t('name')}</th>
            <th>{t('timezone')}</th>
            <th>{t('weekly')}</th>
            <th>{t('holidays')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(list.data?.items ?? []).map((c) => (
            <tr key={c.id}>
              <td>{c.name}</td>
              <td>{c.timezone}</td>
              <td>
                {WEEKDAY_VALUES.filter((d) => (c.weekly[d] ?? []).length > 0)
                  .map(
                    (d) =>
                      `${i18n.weekday(d)} ${(c.weekly[d] ?? []).map((r) => `${r.start}–${r.end}`).join(', ')}`,
                  )
                  .join(' · ')}
              </td>
              <td>{c.holidays.map((h) => `${h.date}${h.name ? ` ${h.name}` : ''}`).join(', ')}</td>
              <td>
                <button type="button" onClick={() => setEditing(c)}>
                  {t('edit')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminSection>
  );
}
