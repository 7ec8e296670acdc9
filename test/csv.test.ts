import { describe, expect, it } from 'vitest';
import { csvText } from '../src/engine/csv.js';
import { successRate } from '../src/engine/events.js';

describe('one CSV writer', () => {
  it('writes a header and rows with CRLF line ends, quoting a field with a comma, a quote or a line break', () => {
    expect(
      csvText(
        ['owner', 'note'],
        [
          ['a', 'plain'],
          ['b', 'x, "y"\nz'],
        ],
      ),
    ).toBe('owner,note\r\na,plain\r\nb,"x, ""y""\nz"\r\n');
    expect(csvText(['only'], [])).toBe('only\r\n');
  });
});

describe('one success-rate formula', () => {
  it('is paid over settled recipients, and nothing when none is settled', () => {
    expect(successRate(19, 1)).toBe(0.95);
    expect(successRate(0, 3)).toBe(0);
    expect(successRate(0, 0)).toBeNull();
  });
});
