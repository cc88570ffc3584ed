import { ArbiterError } from '../../errors.js';
import { LanguageRegistry } from '../../languages/registry.js';
import { parseDuration } from '../../sandbox/limits.js';
import { PROGRAM_LANGUAGES } from './programs.js';

/** The flags of `arbiter loadtest`, as commander hands them over. */
export interface LoadtestFlags {
  students?: string;
  duration?: string;
  think?: string;
  mix?: string;
  faulty?: string;
  requests?: string;
  concurrency?: string;
  report?: string;
  json?: boolean;
}

/** What a load test will do, checked and defaulted. */
export interface LoadtestPlan {
  /** classroom: students think, submit, wait, repeat until the duration ends. requests: a fixed count. */
  mode: 'classroom' | 'requests';
  /** Simulated students (classroom) or parallel clients (requests). */
  students: number;
  /** classroom: how long students keep submitting; requests: the most the run may take. In ms. */
  durationMs: number;
  /** Mean pause between a student's result and its next submission, in ms (each pause 0.5-1.5 times it). */
  thinkMs: number;
  /** requests mode: how many submissions in all. */
  requests: number | null;
  /** Languages by weight; ids as the server knows them. */
  mix: { language: string; weight: number }[];
  /** Share of submissions that are faulty (loop, exhaust memory, or fail to compile), 0 to 1. */
  faultyRatio: number;
  /** Where the HTML report goes. */
  reportFile: string;
  /** Print the summary as JSON instead of a table. */
  json: boolean;
}

/** Hard caps: a load test is bounded in size and time whatever it is asked (it always stops by itself). */
export const LOADTEST_LIMITS = Object.freeze({
  maxStudents: 2000,
  maxDurationMs: 60 * 60_000,
  maxRequests: 100_000,
});

/** Defaults: a mid-sized class for a minute, mixed languages, some faulty programs. */
export const LOADTEST_DEFAULTS = Object.freeze({
  students: 30,
  duration: '60s',
  think: '5s',
  mix: 'python:60,c:25,java:15',
  faulty: '15%',
  concurrency: 10,
  report: 'loadtest-report.html',
});

const invalid = (message: string) => new ArbiterError('INVALID_INPUT', message);

/** "90s", "2m", "1h", "500ms" in ms (the local commands' durations, plus hours). */
export function parseLoadDuration(text: string, flag: string): number {
  const hours = /^(\d+(?:\.\d+)?)\s*h$/i.exec(text.trim());
  if (hours) return Math.round(Number(hours[1]) * 3_600_000);
  try {
    return parseDuration(text);
  } catch {
    throw invalid(`--${flag} "${text}" is not a duration; try 60s, 2m or 1h`);
  }
}

function parseCount(text: string, flag: string, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1)
    throw invalid(`--${flag} must be a whole number >= 1, got "${text}"`);
  if (n > max) throw invalid(`--${flag} is at most ${max}, got ${n}`);
  return n;
}

/** "python:60,c:25,java:15": languages (ids or aliases) with relative weights. */
export function parseMix(text: string, registry = new LanguageRegistry()): LoadtestPlan['mix'] {
  const mix = new Map<string, number>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([^:\s]+)(?::(\d+(?:\.\d+)?))?$/.exec(part);
    if (!match) throw invalid(`--mix entry "${part}" should look like python:60`);
    let language: string;
    try {
      language = registry.get(match[1]!).id;
    } catch {
      throw invalid(`--mix: unknown language "${match[1]}"`);
    }
    if (!PROGRAM_LANGUAGES.includes(language))
      throw invalid(`--mix: no load-test programs for ${language}; use ${PROGRAM_LANGUAGES.join(', ')}`);
    mix.set(language, (mix.get(language) ?? 0) + Number(match[2] ?? 1));
  }
  const entries = [...mix].filter(([, weight]) => weight > 0);
  if (entries.length === 0) throw invalid('--mix needs at least one language with a weight above 0');
  return entries.map(([language, weight]) => ({ language, weight }));
}

/** A percentage, "15%" or "15", as a ratio 0 to 1. */
export function parseFaulty(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text.trim());
  if (!match) throw invalid(`--faulty "${text}" should be a percentage such as 15%`);
  const percent = Number(match[1]);
  if (percent > 100) throw invalid(`--faulty is at most 100%, got ${text}`);
  return percent / 100;
}

export function planFromFlags(flags: LoadtestFlags): LoadtestPlan {
  const requestsMode = flags.requests !== undefined;
  if (requestsMode && flags.students !== undefined)
    throw invalid('give either --students (a classroom for a --duration) or --requests with --concurrency');
  if (!requestsMode && flags.concurrency !== undefined)
    throw invalid('--concurrency goes with --requests; a classroom is sized by --students');
  const durationMs = parseLoadDuration(
    flags.duration ?? (requestsMode ? '1h' : LOADTEST_DEFAULTS.duration),
    'duration',
  );
  if (durationMs < 1000) throw invalid('--duration is at least 1s');
  if (durationMs > LOADTEST_LIMITS.maxDurationMs) throw invalid('--duration is at most 1h');
  return {
    mode: requestsMode ? 'requests' : 'classroom',
    students: requestsMode
      ? parseCount(
          flags.concurrency ?? String(LOADTEST_DEFAULTS.concurrency),
          'concurrency',
          LOADTEST_LIMITS.maxStudents,
        )
      : parseCount(
          flags.students ?? String(LOADTEST_DEFAULTS.students),
          'students',
          LOADTEST_LIMITS.maxStudents,
        ),
    durationMs,
    thinkMs: parseLoadDuration(flags.think ?? (requestsMode ? '0ms' : LOADTEST_DEFAULTS.think), 'think'),
    requests: requestsMode ? parseCount(flags.requests!, 'requests', LOADTEST_LIMITS.maxRequests) : null,
    mix: parseMix(flags.mix ?? LOADTEST_DEFAULTS.mix),
    faultyRatio: parseFaulty(flags.faulty ?? LOADTEST_DEFAULTS.faulty),
    reportFile: flags.report ?? LOADTEST_DEFAULTS.report,
    json: flags.json ?? false,
  };
}
