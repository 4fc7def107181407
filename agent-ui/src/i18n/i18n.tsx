/**
 * The app's language: phrases, enum names, server error messages, and dates and durations formatted with
 * Intl for the chosen locale. `useI18n()` gives components all of it; the language is kept across reloads.
 */
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { ApiError } from '../lib/api-client';
import type { ChannelKind } from '../lib/api-types';
import {
  capacityNames,
  categoryNames,
  channelNames,
  deliveryNames,
  errorNames,
  groupNames,
  kindNames,
  presenceNames,
  priorityNames,
  revokeNames,
  roleNames,
  statusNames,
  strategyNames,
  targetNames,
  tierNames,
  weekdayNames,
  type Lang,
} from './enums';
import { en, zh, type MessageKey } from './messages';

export type { Lang };

export function detectLang(): Lang {
  const stored = localStorage.getItem('omnihub.lang');
  if (stored === 'en' || stored === 'zh-CN') return stored;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

/** Looks a value up in an enum table, falling back to the raw value only for values the contract lacks. */
function pick<T extends string>(table: Record<T, string>, value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return value in table ? table[value as T] : value;
}

export function createI18n(lang: Lang) {
  const dict = lang === 'zh-CN' ? zh : en;
  const dateTime = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  const time = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' });
  const day = new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric' });
  const unit = (u: 'day' | 'hour' | 'minute' | 'second') =>
    new Intl.NumberFormat(lang, { style: 'unit', unit: u, unitDisplay: 'narrow' });
  const units = { day: unit('day'), hour: unit('hour'), minute: unit('minute'), second: unit('second') };
  const list = new Intl.ListFormat(lang, { style: 'narrow', type: 'unit' });

  /** `2h 5m`, `3d 4h`, `45s` in the locale's own units (no raw seconds anywhere). */
  function duration(totalSeconds: number): string {
    const s = Math.max(0, Math.round(Math.abs(totalSeconds)));
    const d = Math.floor(s / 86_400);
    const h = Math.floor((s % 86_400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (d > 0) return list.format([units.day.format(d), ...(h ? [units.hour.format(h)] : [])]);
    if (h > 0) return list.format([units.hour.format(h), ...(m ? [units.minute.format(m)] : [])]);
    if (m > 0) return units.minute.format(m);
    return units.second.format(s % 60);
  }

  return {
    lang,
    t: (key: MessageKey) => dict[key],
    status: (v: string) => pick(statusNames[lang], v),
    priority: (v: string) => pick(priorityNames[lang], v),
    category: (v: string) => pick(categoryNames[lang], v),
    channel: (v: string) => pick(channelNames[lang], v as ChannelKind),
    delivery: (v: string) => pick(deliveryNames[lang], v),
    presence: (v: string) => pick(presenceNames[lang], v),
    kind: (v: string) => pick(kindNames[lang], v),
    target: (v: string) => pick(targetNames[lang], v),
    group: (v: string) => pick(groupNames[lang], v),
    strategy: (v: string) => pick(strategyNames[lang], v),
    role: (v: string) => pick(roleNames[lang], v),
    weekday: (v: string) => pick(weekdayNames[lang], v),
    tier: (v: string) => pick(tierNames[lang], v),
    revoke: (v: string) => pick(revokeNames[lang], v),
    capacity: (v: string) => pick(capacityNames[lang], v),
    /** A failure as the user should read it: the stable code mapped, the server's detail kept for 400s. */
    error: (error: unknown): string => {
      if (error instanceof ApiError) {
        const table = errorNames[lang];
        const mapped = error.code in table ? table[error.code as keyof typeof table] : table.ERROR;
        return error.code === 'INVALID_INPUT' && error.message ? `${mapped} (${error.message})` : mapped;
      }
      if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
        const table = errorNames[lang];
        return error.code in table ? table[error.code as keyof typeof table] : table.ERROR;
      }
      return errorNames[lang].ERROR;
    },
    dateTime: (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : ''),
    time: (iso: string) => time.format(new Date(iso)),
    day: (iso: string) => day.format(new Date(iso)),
    /** Today: the time; earlier: the date. */
    when: (iso: string | null | undefined): string => {
      if (!iso) return '';
      const date = new Date(iso);
      return date.toDateString() === new Date().toDateString() ? time.format(date) : day.format(date);
    },
    duration,
    number: (n: number, digits = 0) =>
      new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(n),
  };
}

export type I18n = ReturnType<typeof createI18n>;

const I18nContext = createContext<I18n>(createI18n('en'));

export function I18nProvider(props: { lang: Lang; children: ReactNode }) {
  const value = useMemo(() => createI18n(props.lang), [props.lang]);
  return <I18nContext.Provider value={value}>{props.children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}
