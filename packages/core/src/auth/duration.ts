/**
 * Durations: ISO 8601 (`P1Y`, `P6M`, `P30D`, `PT12H`, `P1Y2M3DT4H5M6S`, `P2W`) for registration, plus the
 * short form (`1h`, `30m`, `7d`, `45s`) tokens accept. Years and months are calendar units (UTC), so
 * `P1M` from 31 January ends on the last day of February, not on 3 March.
 */
export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const ISO = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const SHORT = /^(\d+)(s|m|h|d|w)$/;
const MAX_COMPONENT = 1_000_000;
/** The longest duration accepted anywhere (key lifetimes included): 100 years, counted generously. */
export const MAX_DURATION_YEARS = 100;
const DAY_MS = 86_400_000;

/** The duration's length in ms with average calendar units (a year of 365.25 days, a month of a twelfth). */
function averageMs(d: Duration): number {
  return (
    (d.years * 365.25 + d.months * (365.25 / 12) + d.weeks * 7 + d.days) * DAY_MS +
    (d.hours * 3600 + d.minutes * 60 + d.seconds) * 1000
  );
}
const tooLong = (d: Duration) => averageMs(d) > MAX_DURATION_YEARS * 365.25 * DAY_MS + 1;

/** Parses an ISO 8601 duration; undefined when malformed or zero. */
export function parseIsoDuration(text: string): Duration | undefined {
  const m = ISO.exec(text.trim().toUpperCase());
  if (!m || text.trim().endsWith('T')) return undefined;
  if (m.slice(1).every((part) => part === undefined)) return undefined;
  const [years, months, weeks, days, hours, minutes, seconds] = m.slice(1).map((v) => (v ? Number(v) : 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const duration = { years, months, weeks, days, hours, minutes, seconds };
  const values = Object.values(duration);
  if (values.some((v) => v > MAX_COMPONENT) || values.every((v) => v === 0) || tooLong(duration)) return undefined;
  return duration;
}

/** Parses `1h` / `30m` / `7d` / `45s` / `2w`, or an ISO 8601 duration. */
export function parseLifetime(text: string): Duration | undefined {
  const m = SHORT.exec(text.trim().toLowerCase());
  if (!m) return parseIsoDuration(text);
  const n = Number(m[1]);
  if (n === 0 || n > MAX_COMPONENT) return undefined;
  const zero: Duration = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
  const unit = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days', w: 'weeks' } as const;
  const duration = { ...zero, [unit[m[2] as keyof typeof unit]]: n };
  return tooLong(duration) ? undefined : duration;
}

/** `from` plus the duration, in epoch milliseconds. */
export function addDuration(from: number, d: Duration): number {
  const date = new Date(from);
  if (d.years || d.months) {
    const day = date.getUTCDate();
    date.setUTCDate(1);
    date.setUTCMonth(date.getUTCMonth() + d.years * 12 + d.months);
    const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
    date.setUTCDate(Math.min(day, lastDay));
  }
  const ms = ((((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds) * 1000;
  return date.getTime() + ms;
}
