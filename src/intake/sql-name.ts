/** A double-quoted SQL identifier; `schema.table` names are quoted part by part. */
export function quoteName(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}
