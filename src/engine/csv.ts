/**
 * The one CSV writer: RFC 4180, a header line then one line per row, CRLF line ends (what
 * spreadsheet programs expect); a field with a comma, a quote or a line break is quoted.
 */
export function csvText(header: readonly string[], rows: Iterable<readonly string[]>): string {
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
