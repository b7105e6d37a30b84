import type { CollectionDefinition } from '@baas/sdk';

/** A value as one table cell shows it. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** A few words that identify a record: its first text fields. */
export function summary(record: Record<string, unknown>, collection: CollectionDefinition): string {
  return collection.fields
    .filter((f) => f.type === 'text' || f.type === 'email' || f.type === 'select')
    .slice(0, 2)
    .map((f) => cellText(record[f.name]))
    .filter(Boolean)
    .join(' · ');
}

/** RFC 4180 CSV of records over `columns`; values that are not strings are JSON. */
export function toCsv(records: Array<Record<string, unknown>>, columns: string[]): string {
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [columns.map(quote).join(',')];
  for (const r of records) lines.push(columns.map((c) => quote(cellText(r[c]))).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Saves `text` as a file through the browser. */
export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
