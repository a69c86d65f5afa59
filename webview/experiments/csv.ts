// CSV as RFC 4180 writes it: fields separated by commas, records by CRLF; a
// field with a comma, a double quote, CR or LF is quoted, its quotes doubled.

export type CsvField = string | number | boolean | null | undefined;

export function csvField(value: CsvField): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header and the records; numbers at full precision (what the run wrote, not what the table shows). */
export function toCsv(header: readonly string[], records: readonly (readonly CsvField[])[]): string {
  return [header, ...records].map((fields) => `${fields.map(csvField).join(',')}\r\n`).join('');
}
