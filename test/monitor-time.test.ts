import { afterEach, describe, expect, it, vi } from 'vitest';
import { isValidTimeZone } from '../src/monitor/config.js';
import { localDate, localParts, localTimeToUtc } from '../src/time/zone.js';

describe('calendar arithmetic in UTC, the default report zone', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reads UTC from Date, with the same parts Intl gives, and creates no Intl formatter (whose ICU data would weigh on an idle bot)', () => {
    const intl = new Intl.DateTimeFormat('en-US', {
      timeZone: 'UTC',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    const instants = [0, Date.UTC(2024, 1, 29, 23, 59, 59), Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1), Date.UTC(2026, 2, 29, 1, 30), 1_764_662_400_123];
    const fromIntl = (ms: number) =>
      Object.fromEntries(
        intl
          .formatToParts(ms)
          .filter((p) => p.type !== 'literal')
          .map((p) => [p.type, Number(p.value)]),
      );
    const spy = vi.spyOn(Intl, 'DateTimeFormat');
    for (const ms of instants) {
      expect(localParts(ms, 'UTC')).toEqual(fromIntl(ms));
      expect(localParts(ms, 'Etc/UTC')).toEqual(fromIntl(ms));
    }
    expect(localDate(Date.UTC(2026, 11, 2, 6, 3), 'UTC')).toBe('2026-12-02');
    expect(localTimeToUtc('2026-12-02', 9, 0, 'UTC')).toBe(Date.UTC(2026, 11, 2, 9, 0));
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(spy).not.toHaveBeenCalled();
  });

  it('other zones still go through Intl', () => {
    expect(localDate(Date.UTC(2025, 8, 17, 15, 0), 'Asia/Tokyo')).toBe('2025-09-18');
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
