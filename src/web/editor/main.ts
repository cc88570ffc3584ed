/**
 * The editor page: pick a language (and maybe a problem), write code, run it, and follow it live
 * (queued with its position → running → verdict) over SSE. Code is kept per language in
 * localStorage; the API key, when the server asks for one, too.
 */
import { GREETING_SAMPLES } from '../../languages/samples.js';
import { ApiError, describeError, getJson, sendJson } from '../shared/api.js';
import { byId, countdown, statusLabel } from '../shared/format.js';
import { KeyPrompt } from '../shared/key-prompt.js';
import { readEventStream } from '../shared/sse.js';
import type { LanguageView, ProblemSummary, SubmissionEventView, SubmissionView } from '../shared/types.js';
import { CodeEditor } from './code-editor.js';
import { loadLanguageMode } from './language-modes.js';
import { ResultView } from './result-view.js';

/** localStorage entries. */
const STORAGE = {
  code: (language: string) => `arbiter.code.${language}`,
  language: 'arbiter.language',
  stdin: 'arbiter.stdin',
} as const;
/** Language picked when nothing was stored and it is installed. */
const DEFAULT_LANGUAGE = 'python3';
/** The starter programs read a name from stdin (src/languages/samples.ts). */
const DEFAULT_STDIN = 'world';
/** Keystrokes are saved this long after typing stops. */
const SAVE_DELAY_MS = 300;
/** When the event stream breaks, the submission is polled this often instead. */
const POLL_INTERVAL_MS = 500;

const isFinal = (status: string) => status !== 'queued' && status !== 'running';

const languageSelect = byId<HTMLSelectElement>('language');
const problemSelect = byId<HTMLSelectElement>('problem');
const problemInfo = byId('problem-info');
const stdinField = byId('stdin-field');
const stdinInput = byId<HTMLTextAreaElement>('stdin');
const runButton = byId<HTMLButtonElement>('run');
const cancelButton = byId<HTMLButtonElement>('cancel');
const resetButton = byId<HTMLButtonElement>('reset');
const statusLine = byId('status');
const results = new ResultView();

let language = '';
let problems: ProblemSummary[] = [];
/** The submission being followed, if any. */
let active: { id: string; abort: AbortController } | null = null;
/** What a saved key should retry: each call that got 401/403, by name. */
const retryAfterKey = new Map<string, () => void>();
let stopCountdown: (() => void) | null = null;
let saveTimer: ReturnType<typeof setTimeout> | undefined;

const keyPrompt = new KeyPrompt(() => {
  const retries = [...retryAfterKey.values()];
  retryAfterKey.clear();
  if (retries.length > 0) say('Trying again with the key…');
  for (const retry of retries) retry();
});

const editor = new CodeEditor({
  parent: byId('editor'),
  labelledBy: 'code-heading',
  describedBy: 'editor-help',
  onRun: () => void run(),
  onChange: (code) => {
    clearTimeout(saveTimer);
    const forLanguage = language;
    saveTimer = setTimeout(
      () => forLanguage && localStorage.setItem(STORAGE.code(forLanguage), code),
      SAVE_DELAY_MS,
    );
  },
});

function say(text: string, state = 'idle'): void {
  statusLine.textContent = text;
  statusLine.dataset.state = state;
}

/** 401/403 → the key form; 429/503 → a countdown on the Run button; anything else → the status line. */
function handleError(error: unknown, what: string, retry: () => void): void {
  const message = describeError(error);
  say(message, 'error');
  if (!(error instanceof ApiError)) return;
  if (error.needsKey) {
    retryAfterKey.set(what, retry);
    keyPrompt.show(message);
  } else if ((error.status === 429 || error.status === 503) && error.retryAfter) {
    stopCountdown?.();
    runButton.disabled = true;
    stopCountdown = countdown(
      error.retryAfter,
      (left) => (runButton.textContent = `Run (wait ${left} s)`),
      () => {
        stopCountdown = null;
        runButton.disabled = false;
        renderRunLabel();
        say('Ready to run again.');
      },
    );
  }
}

const isMac = /Mac|iPhone|iPad/.test(navigator.userAgent);
function renderRunLabel(): void {
  runButton.replaceChildren('Run ');
  const kbd = document.createElement('kbd');
  kbd.textContent = isMac ? '⌘+Enter' : 'Ctrl+Enter';
  runButton.append(kbd);
}

function starterCode(id: string): string {
  return localStorage.getItem(STORAGE.code(id)) ?? GREETING_SAMPLES[id] ?? '';
}

async function switchLanguage(id: string): Promise<void> {
  if (language) {
    clearTimeout(saveTimer);
    localStorage.setItem(STORAGE.code(language), editor.code);
  }
  language = id;
  localStorage.setItem(STORAGE.language, id);
  editor.setCode(starterCode(id));
  await editor.setLanguage(id);
}

async function loadLanguages(): Promise<void> {
  let list: LanguageView[];
  try {
    ({ languages: list } = await getJson<{ languages: LanguageView[] }>('/api/v1/languages'));
  } catch (error) {
    languageSelect.replaceChildren(new Option('Languages unavailable', ''));
    handleError(error, 'languages', () => void loadLanguages());
    return;
  }
  keyPrompt.hide();
  languageSelect.replaceChildren(
    ...list.map((l) => new Option(l.version ? `${l.name} ${l.version}` : l.name, l.id)),
  );
  languageSelect.disabled = list.length === 0;
  if (list.length === 0) {
    say('No language is installed on this server (see `arbiter doctor`).', 'error');
    return;
  }
  const stored = localStorage.getItem(STORAGE.language);
  const pick = [stored, DEFAULT_LANGUAGE, list[0]!.id].find((id) => id && list.some((l) => l.id === id))!;
  languageSelect.value = pick;
  await switchLanguage(pick);
  say('Ready.');
  document.documentElement.dataset.ready = 'editor';
  performance.mark('arbiter:editor-ready');
}

async function loadProblems(): Promise<void> {
  try {
    ({ problems } = await getJson<{ problems: ProblemSummary[] }>('/api/v1/problems'));
  } catch (error) {
    handleError(error, 'problems', () => void loadProblems());
    return;
  }
  const chosen = problemSelect.value;
  problemSelect.replaceChildren(
    new Option('None: run with the input below', ''),
    ...problems.map((p) => new Option(`${p.title} (${p.testCount} tests)`, p.id)),
  );
  if (problems.some((p) => p.id === chosen)) problemSelect.value = chosen;
  showProblemMode();
}

function showProblemMode(): void {
  const problem = problems.find((p) => p.id === problemSelect.value);
  stdinField.hidden = problem !== undefined;
  problemInfo.hidden = problem === undefined;
  if (problem)
    problemInfo.textContent = `Judged against the ${problem.testCount} tests of “${problem.title}”; each test gives its own input.`;
}

function setRunning(running: boolean): void {
  runButton.disabled = running || stopCountdown !== null;
  runButton.setAttribute('aria-busy', String(running));
  cancelButton.hidden = !running;
}

function progress(status: string, position?: number): void {
  if (status === 'queued')
    say(
      position === undefined || position <= 0
        ? 'Queued: next in line.'
        : `Queued: position ${position + 1} (${position} ahead).`,
      'queued',
    );
  else if (status === 'running') say('Running…', 'running');
}

function finish(submission: SubmissionView): void {
  results.show(submission);
  say(`Finished: ${statusLabel(submission.status)}.`, 'done');
  active?.abort.abort();
  active = null;
  setRunning(false);
}

async function run(): Promise<void> {
  if (active || runButton.disabled || !language) return;
  const problemId = problemSelect.value;
  const body = problemId
    ? { language, source: editor.code, problemId }
    : { language, source: editor.code, stdin: stdinInput.value };
  results.clear();
  setRunning(true);
  say('Submitting…', 'queued');
  let answer: { id: string; status: string; position?: number } | SubmissionView;
  try {
    answer = await sendJson('POST', '/api/v1/submissions', body);
  } catch (error) {
    setRunning(false);
    handleError(error, 'run', () => void run());
    return;
  }
  keyPrompt.hide();
  const abort = new AbortController();
  active = { id: answer.id, abort };
  if (isFinal(answer.status)) return finish(answer as SubmissionView);
  progress(answer.status, answer.position);
  await follow(answer.id, abort);
}

/** Follows a submission over SSE; if the stream breaks before the verdict, polls instead. */
async function follow(id: string, abort: AbortController): Promise<void> {
  const path = `/api/v1/submissions/${encodeURIComponent(id)}`;
  try {
    await readEventStream(
      `${path}/events`,
      ({ event, data }) => {
        const payload = JSON.parse(data) as SubmissionEventView & SubmissionView;
        if (event === 'status') {
          if (isFinal(payload.status)) finish(payload);
          else progress(payload.status, payload.position);
        } else if (event === 'queued' || event === 'running') progress(event, payload.position);
        else if (event === 'finished' && payload.submission) finish(payload.submission);
      },
      abort.signal,
    );
  } catch (error) {
    if (abort.signal.aborted) return;
    console.warn('event stream failed; polling instead', error);
  }
  // The stream ended (or broke) without a verdict: ask until there is one.
  while (active?.id === id && !abort.signal.aborted) {
    try {
      const view = await getJson<SubmissionView>(path);
      if (isFinal(view.status)) return finish(view);
      progress(view.status, view.position);
    } catch (error) {
      if (error instanceof ApiError && error.status !== 0 && error.status !== 429 && error.status !== 503) {
        active = null;
        setRunning(false);
        handleError(error, 'run', () => void run());
        return;
      }
      say(describeError(error), 'error');
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function cancel(): Promise<void> {
  if (!active) return;
  say('Cancelling…', 'running');
  try {
    await sendJson('DELETE', `/api/v1/submissions/${encodeURIComponent(active.id)}`);
  } catch (error) {
    handleError(error, 'cancel', () => void cancel());
  }
}

async function start(): Promise<void> {
  // The likely language's grammar downloads while the language list is fetched, not after it.
  void loadLanguageMode(localStorage.getItem(STORAGE.language) ?? DEFAULT_LANGUAGE);
  await Promise.all([loadLanguages(), loadProblems()]);
}

renderRunLabel();
stdinInput.value = localStorage.getItem(STORAGE.stdin) ?? DEFAULT_STDIN;
stdinInput.addEventListener('input', () => localStorage.setItem(STORAGE.stdin, stdinInput.value));
languageSelect.addEventListener('change', () => void switchLanguage(languageSelect.value));
problemSelect.addEventListener('change', showProblemMode);
byId('problems-reload').addEventListener('click', () => void loadProblems());
runButton.addEventListener('click', () => void run());
cancelButton.addEventListener('click', () => void cancel());
resetButton.addEventListener('click', () => {
  editor.setCode(GREETING_SAMPLES[language] ?? '');
  editor.focus();
});
document.addEventListener('keydown', (event) => {
  // The editor handles its own Mod-Enter (and marks the event handled); this covers the rest of the page.
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
    event.preventDefault();
    void run();
  }
});
window.addEventListener('pagehide', () => {
  if (language) localStorage.setItem(STORAGE.code(language), editor.code);
});
void start();
