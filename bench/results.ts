/**
 * bench/RESULTS.md: every figure the bench measures, gathered in one table beside the ceiling it is
 * compared with (measured in the same run as the figure), its ratio to that ceiling, its target and
 * its verdict. The figures are read back from the markdown the sections wrote to bench/out/*.md
 * (collectFromOut), so the file can be rebuilt at the end of `npm run bench` or alone:
 * `node --import tsx bench/results.ts`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machineFacts } from './machine.js';
import { FIGURE_COLUMNS, renderMarkdown, renderText, type Report } from './report.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const OUT_DIR = join(BENCH_DIR, 'out');
export const RESULTS_FILE = join(BENCH_DIR, 'RESULTS.md');

/** One figure: what was measured, against what ceiling, how close, and whether that meets its target. */
export interface ResultRow {
  figure: string;
  value: string;
  /** The ceiling measured in the same run (or the budget it is held to); '-' when there is none. */
  ceiling: string;
  ratio: string;
  target: string;
  /** PASS, MISS, or 'info' for a figure without a target. */
  result: string;
}

export interface ResultSection {
  title: string;
  rows: ResultRow[];
  /** Where the figures came from and when they were measured, for the header. */
  source?: string;
}

/** Sections in this order first, then any other bench/out/*.md alphabetically. */
const SECTION_ORDER = ['sandbox', 'service', 'subscribers', 'scaleout', 'web'];

// ---------------------------------------------------------------------------------------------
// Reading the sections' markdown back.

interface MarkdownTable {
  title: string;
  headers: string[];
  rows: string[][];
}

interface MarkdownFile {
  title: string;
  facts: Map<string, string>;
  tables: MarkdownTable[];
}

/** The cells of a `| a | b \| c |` line, escapes undone. */
function cellsOf(line: string): string[] {
  const inner = line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replaceAll('\\|', '|'));
}

const isRule = (line: string): boolean => /^\|(\s*:?-{3,}:?\s*\|)+\s*$/.test(line.trim());

/** Title (`# …`, else the first line), facts (`- **name**: value`) and tables (under `## …`, else the title). */
export function parseMarkdown(text: string): MarkdownFile {
  const lines = text.split('\n');
  const first = lines.find((line) => line.trim() !== '') ?? '';
  const title = first.replace(/^#\s+/, '').trim();
  const facts = new Map<string, string>();
  const tables: MarkdownTable[] = [];
  let heading = title;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fact = /^- \*\*(.+?)\*\*: (.*)$/.exec(line);
    if (fact) facts.set(fact[1]!, fact[2]!.replaceAll('\\|', '|'));
    if (line.startsWith('## ')) heading = line.slice(3).trim();
    if (!line.trim().startsWith('|') || !isRule(lines[i + 1] ?? '')) continue;
    const table: MarkdownTable = { title: heading, headers: cellsOf(line), rows: [] };
    for (i += 2; i < lines.length && lines[i]!.trim().startsWith('|'); i++)
      table.rows.push(cellsOf(lines[i]!));
    i--;
    tables.push(table);
  }
  return { title, facts, tables };
}

/** "Throughput: sandbox vs bare exec (runs per second, median of passes)" → before the parenthesis. */
const shortTitle = (title: string): string => title.replace(/ \(.*$/, '').trim();

const looksNumeric = (cell: string): boolean => /^[-+±]?[\d.,]+\s*\S{0,3}$/.test(cell);

/** The figure's name: the table's short title, then the row's identifying cells. */
function nameOf(table: MarkdownTable, row: string[], upTo: number, suffix = ''): string {
  const ids = row
    .slice(0, Math.max(1, upTo))
    .map((cell, i) => (looksNumeric(cell) ? `${table.headers[i]} ${cell}` : cell))
    .filter((cell) => cell !== '');
  return `${shortTitle(table.title)}: ${ids.join(', ')}${suffix}`;
}

/** The figures a table holds, by the columns it has; tables without a result column are detail. */
function figuresOf(table: MarkdownTable): ResultRow[] {
  const col = (name: string): number =>
    table.headers.findIndex((header) => header.toLowerCase() === name.toLowerCase());
  const cell = (row: string[], index: number): string => (index >= 0 ? (row[index] ?? '') : '');
  const canonical = FIGURE_COLUMNS.map((column) => col(column.header));
  if (canonical.every((index) => index >= 0)) {
    const [figure, value, ceiling, ratio, target, result] = canonical as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return table.rows.map((row) => ({
      figure: cell(row, figure),
      value: cell(row, value),
      ceiling: cell(row, ceiling),
      ratio: cell(row, ratio),
      target: cell(row, target),
      result: cell(row, result),
    }));
  }

  // The web pages: weight and time to ready, no ceiling of their own.
  const page = col('page');
  if (page >= 0 && col('ready (median)') >= 0) {
    return table.rows.flatMap((row) => [
      {
        figure: `web: ${row[page]} page weight, HTML + JS + CSS gzipped`,
        value: cell(row, col('total gzip')),
        ceiling: '-',
        ratio: '-',
        target: '-',
        result: 'info',
      },
      {
        figure: `web: ${row[page]} page ready, cold load (median)`,
        value: cell(row, col('ready (median)')),
        ceiling: '-',
        ratio: '-',
        target: '-',
        result: 'info',
      },
    ]);
  }

  const result = col('result');
  const target = col('target');
  const versus = table.headers.findIndex((header) => header.startsWith('vs '));
  const isBase = (row: string[]) =>
    ['ceiling', 'base'].includes(cell(row, result)) || cell(row, versus) === 'base';

  // A row marked as the base (GET /health, the embedded server): the other rows are compared with it.
  const base = versus >= 0 ? table.rows.find(isBase) : undefined;
  if (base) {
    const value = col('rate') >= 0 ? col('rate') : versus - 1;
    return table.rows
      .filter((row) => !isBase(row))
      .map((row) => ({
        figure: `${shortTitle(table.title)}: ${row[0]}`,
        value: cell(row, value),
        ceiling: `${base[0]} ${cell(base, value)}`,
        ratio: cell(row, versus),
        target: cell(row, target) || '-',
        result: cell(row, result) || 'info',
      }));
  }
  if (result < 0) return [];

  // The classroom burst: its last result against the CPU-bound limit.
  const last = col('last result');
  const bound = table.headers.findIndex((header) => header.startsWith('CPU-bound'));
  if (last >= 0 && bound >= 0 && col('ratio') >= 0) {
    return table.rows.map((row) => ({
      figure: `${shortTitle(table.title)}: ${row[0]} submissions, first POST to last result`,
      value: cell(row, last),
      ceiling: `CPU-bound ${cell(row, bound)}`,
      ratio: cell(row, col('ratio')),
      target: cell(row, target),
      result: cell(row, result),
    }));
  }

  // Metering: the worst reported value against the known truth.
  const truth = col('truth');
  if (truth >= 0 && col('reported worst') >= 0) {
    return table.rows.map((row) => ({
      figure: `${shortTitle(table.title)}: ${row[0]} (worst of ${cell(row, col('runs'))})`,
      value: cell(row, col('reported worst')),
      ceiling: `truth ${cell(row, truth)}`,
      ratio: `error ${cell(row, col('error worst'))}`,
      target: cell(row, target),
      result: cell(row, result),
    }));
  }

  // Any other table with a ratio: the value just before it, the ceiling before that.
  const ratio = table.headers.findIndex((header) => header === 'ratio' || header.startsWith('vs '));
  if (ratio >= 2) {
    return table.rows.map((row) => ({
      figure: nameOf(table, row, ratio - 2),
      value: cell(row, ratio - 1),
      ceiling: `${table.headers[ratio - 2]} ${cell(row, ratio - 2)}`,
      ratio: cell(row, ratio),
      target: cell(row, target),
      result: cell(row, result),
    }));
  }
  // A target and a result but no ratio: the value just before the target.
  if (target >= 1) {
    return table.rows.map((row) => ({
      figure: nameOf(table, row, target - 1),
      value: cell(row, target - 1),
      ceiling: '-',
      ratio: '-',
      target: cell(row, target),
      result: cell(row, result),
    }));
  }
  return [];
}

/** The machine facts worth comparing between a section's run and this one. */
const COMPARED = ['nproc', 'cpu', 'kernel', 'node'];

/**
 * Builds one section per bench/out/*.md (sandbox, service, subscribers, scaleout, web, then any
 * other), from the tables the sections wrote. A file that is missing is skipped.
 */
export function collectFromOut(dir: string = OUT_DIR): ResultSection[] {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.md'))
    .map((name) => name.slice(0, -'.md'.length));
  const rank = (name: string) => {
    const index = SECTION_ORDER.indexOf(name);
    return index < 0 ? SECTION_ORDER.length : index;
  };
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const here = new Map(machineFacts());
  const sections: ResultSection[] = [];
  for (const name of names) {
    const parsed = parseMarkdown(readFileSync(join(dir, `${name}.md`), 'utf8'));
    const rows = parsed.tables.flatMap(figuresOf);
    if (rows.length === 0) continue;
    const when = parsed.facts.get('date');
    const took = parsed.facts.get('bench time');
    const load = parsed.facts.get('background load');
    const differs = COMPARED.filter((fact) => {
      const then = parsed.facts.get(fact);
      return then !== undefined && then !== here.get(fact);
    }).map((fact) => `${fact} ${parsed.facts.get(fact)}`);
    sections.push({
      title: name,
      rows,
      source:
        `bench/out/${name}.md, ${parsed.title}` +
        (when ? `, run ${when}` : '') +
        (took ? `, ${took}` : '') +
        (load ? `; background load ${load}` : '') +
        (differs.length > 0 ? `; measured on another machine: ${differs.join(', ')}` : ''),
    });
  }
  return sections;
}

// ---------------------------------------------------------------------------------------------
// Writing bench/RESULTS.md.

/** The RESULTS report: machine facts, each section's source, and one table of every figure. */
export function resultsReport(
  sections: ResultSection[],
  machine: [name: string, value: string][] = machineFacts(),
): Report {
  const rows = sections.flatMap((section) =>
    section.rows.map((row) => [
      section.title,
      row.figure,
      row.value,
      row.ceiling,
      row.ratio,
      row.target,
      row.result,
    ]),
  );
  const tally = (verdict: string) => rows.filter((row) => row[6] === verdict).length;
  return {
    title: 'Arbiter benchmark results',
    facts: [
      ...machine,
      ...sections.map((section): [string, string] => [
        `section ${section.title}`,
        section.source ?? `${section.rows.length} figures`,
      ]),
    ],
    tables: [
      {
        title: 'Every figure against its ceiling',
        columns: [{ header: 'section' }, ...FIGURE_COLUMNS],
        rows,
        notes: [
          `${rows.length} figures: ${tally('PASS')} PASS, ${tally('MISS')} MISS, ${tally('info')} without a target.`,
          'ceiling: what the figure is compared with, measured in the same run as the figure (bare exec, ' +
            'GET /health on the same server, the CPU-bound limit, the known truth), or the budget it is held to.',
          'ratio: the figure as a share of its ceiling, in the direction its target is written.',
          "each section's own file in bench/out/ has the method, every pass and the machine it ran on; " +
            'the date above is when this file was written, each section lists when it ran.',
          'regenerate: npm run bench (all sections), or node --import tsx bench/results.ts from bench/out alone.',
          'results are informational: a MISS does not fail the bench.',
        ],
      },
    ],
  };
}

/** Writes bench/RESULTS.md (or `file`) and returns its markdown. */
export function writeResults(
  sections: ResultSection[],
  machine: [name: string, value: string][] = machineFacts(),
  file: string = RESULTS_FILE,
): string {
  const markdown = renderMarkdown(resultsReport(sections, machine));
  writeFileSync(file, markdown);
  return markdown;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sections = collectFromOut();
  if (sections.length === 0) {
    process.stderr.write(`bench: no figures in ${OUT_DIR}/*.md; run npm run bench first\n`);
    process.exitCode = 1;
  } else {
    writeResults(sections, machineFacts());
    process.stdout.write(`${renderText(resultsReport(sections, machineFacts()))}\n`);
    process.stderr.write(`bench: wrote ${RESULTS_FILE}\n`);
  }
}
