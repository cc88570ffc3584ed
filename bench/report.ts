/**
 * Renders the bench's findings twice from one description: aligned plain text for the terminal and
 * markdown for bench/out/sandbox.md, so the two can never disagree.
 */

export interface Column {
  header: string;
  /** Numbers read best right-aligned. Default: 'left'. */
  align?: 'left' | 'right';
}

/**
 * The columns of a table of figures, in this order: bench/results.ts gathers every table that has
 * them into bench/RESULTS.md, so a section that measures figures lays its table out with these.
 */
export const FIGURE_COLUMNS: readonly Column[] = Object.freeze([
  { header: 'figure' },
  { header: 'value', align: 'right' },
  { header: 'ceiling', align: 'right' },
  { header: 'ratio', align: 'right' },
  { header: 'target' },
  { header: 'result' },
]);

export interface Table {
  title: string;
  columns: Column[];
  rows: string[][];
  /** Lines printed under the table: how to read it, what was measured. */
  notes?: string[];
}

export interface Report {
  title: string;
  /** Facts about the machine and the run, printed at the top as "name: value". */
  facts: [name: string, value: string][];
  tables: Table[];
}

const pad = (text: string, width: number, align: Column['align']): string =>
  align === 'right' ? text.padStart(width) : text.padEnd(width);

function textTable(table: Table): string {
  const widths = table.columns.map((column, i) =>
    Math.max(column.header.length, ...table.rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => pad(cell, widths[i]!, table.columns[i]!.align))
      .join('  ')
      .trimEnd();
  return [
    table.title,
    line(table.columns.map((c) => c.header)),
    line(widths.map((w) => '-'.repeat(w))),
    ...table.rows.map(line),
    ...(table.notes ?? []).map((note) => `  ${note}`),
  ].join('\n');
}

export function renderText(report: Report): string {
  const nameWidth = Math.max(...report.facts.map(([name]) => name.length));
  return [
    report.title,
    '='.repeat(report.title.length),
    ...report.facts.map(([name, value]) => `${`${name}:`.padEnd(nameWidth + 1)} ${value}`),
    ...report.tables.map((table) => `\n${textTable(table)}`),
    '',
  ].join('\n');
}

const mdCell = (text: string): string => text.replaceAll('|', '\\|');

function markdownTable(table: Table): string {
  const row = (cells: string[]): string => `| ${cells.map(mdCell).join(' | ')} |`;
  const rule = table.columns.map((c) => (c.align === 'right' ? '---:' : '---'));
  return [
    `## ${table.title}`,
    '',
    row(table.columns.map((c) => c.header)),
    `|${rule.join('|')}|`,
    ...table.rows.map(row),
    ...(table.notes && table.notes.length > 0 ? ['', ...table.notes.map((note) => `- ${note}`)] : []),
  ].join('\n');
}

export function renderMarkdown(report: Report): string {
  return [
    `# ${report.title}`,
    '',
    ...report.facts.map(([name, value]) => `- **${name}**: ${mdCell(value)}`),
    ...report.tables.map((table) => `\n${markdownTable(table)}`),
    '',
  ].join('\n');
}
