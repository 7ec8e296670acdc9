/**
 * Calendar arithmetic in an IANA time zone, the one place for it (the daily report's days, the
 * schedules' local times): Intl only, no hand-kept offset tables. A local day is a day of that
 * zone (Asia/Tokyo's 2025-09-18 runs 2025-09-17T15:00Z to 2025-09-18T15:00Z; a day with a
 * daylight-saving change is 23 or 25 hours long). When a recurring local time falls is croner's
 * (src/time/cron.ts).
 */

/** Numeric date and 24-hour time: what both formatters read. */
const DATE_TIME: Intl.DateTimeFormatOptions = { hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' };

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Formatters are costly to make: one per zone and kind, kept. */
function formatter(timeZone: string, kind: 'parts' | 'label' = 'parts'): Intl.DateTimeFormat {
  const key = `${kind} ${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    const extra: Intl.DateTimeFormatOptions = kind === 'parts' ? { second: '2-digit' } : { weekday: 'short', timeZoneName: 'short' };
    f = new Intl.DateTimeFormat('en-US', { timeZone, ...DATE_TIME, ...extra });
    formatters.set(key, f);
  }
  return f;
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * UTC (the default report zone) is read from Date itself: the first Intl.DateTimeFormat of a process
 * pages in about 5 MB of the node binary's ICU data, which an idle bot otherwise never touches.
 */
export function isUtc(timeZone: string): boolean {
  return timeZone === 'UTC' || timeZone === 'Etc/UTC';
}

export function localParts(ms: number, timeZone: string): LocalParts {
  if (isUtc(timeZone)) {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
  }
  const out: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(ms)) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return {
    year: out.year ?? 1970,
    month: out.month ?? 1,
    day: out.day ?? 1,
    hour: out.hour ?? 0,
    minute: out.minute ?? 0,
    second: out.second ?? 0,
  };
}

/** Local date "YYYY-MM-DD" of an instant. */
export function localDate(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)}`;
}

/** Offset of the zone at an instant, ms (local wall clock minus UTC). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant when the local wall clock reads `date` `hh:mm` (the earlier one if a DST change repeats it). */
export function localTimeToUtc(date: string, hour: number, minute: number, timeZone: string): number {
  const { y, m, d } = parseDate(date);
  const wall = Date.UTC(y, m - 1, d, hour, minute);
  // Two passes settle the offset across a DST change: the first guess uses the offset at the wall time read as UTC.
  let guess = wall - zoneOffsetMs(wall, timeZone);
  guess = wall - zoneOffsetMs(guess, timeZone);
  return guess;
}

/** [start, end) of a local day as UTC ms; 23 or 25 hours long across DST changes. */
export function localDayRange(date: string, timeZone: string): { start: number; end: number } {
  return { start: localTimeToUtc(date, 0, 0, timeZone), end: localTimeToUtc(addDays(date, 1), 0, 0, timeZone) };
}

export function addDays(date: string, days: number): string {
  const { y, m, d } = parseDate(date);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function isDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const { y, m, d } = parseDate(date);
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function parseDate(date: string): { y: number; m: number; d: number } {
  const [y, m, d] = date.split('-').map(Number);
  if (y === undefined || m === undefined || d === undefined || Number.isNaN(y + m + d)) {
    throw new RangeError(`not a date "${date}": expected YYYY-MM-DD`);
  }
  return { y, m, d };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** The IANA name of a zone as Intl knows it ("europe/berlin" -> "Europe/Berlin"), or null for a zone it does not know. */
export function zoneName(timeZone: string): string | null {
  const tz = timeZone.trim();
  if (isUtc(tz)) return tz;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** "Sun 2026-03-29 03:00 GMT+2 (Europe/Berlin)": an instant as the zone reads it. */
export function localTime(ms: number, tz: string): string {
  const parts = formatter(tz, 'label').formatToParts(ms);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('weekday')} ${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('timeZoneName')} (${tz})`;
}
