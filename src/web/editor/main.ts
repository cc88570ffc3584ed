/**
 * The editor page: pick a language (and maybe a problem), write code, run it, and follow it live
 * (queued with its position → running → verdict) over SSE. Code is kept per language in
 * localStorage; the API key, when the server asks for one, too.
 */
import { isFinalStatus as isFinal } from '../../contract.js';
import { GREETING_SAMPLES } from '../../languages/samples.js';
import { ApiError, describeError, getJson, sendJson } from '../shared/api.js';
import { byId } from '../shared/by-id.js';
import { countdown, statusLabel } from '../shared/format.js';
import { KeyPrompt } from '../shared/key-prompt.js';
import { readEventStream } from '../shared/sse.js';
import type {
  LanguageView,
  ProblemSummary,
  ProblemView,
  SubmissionEventView,
  SubmissionView,
} from '../shared/types.js';
import { CodeEditor } from './code-editor.js';
import { loadLanguageMode } from './language-modes.js';
import { OutputsPanel, showProblemFiles } from './problem-mode.js';
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
const outputs = new OutputsPanel();
const editorBlock = byId('editor');
const editorHelp = byId('editor-help');
const sourceFileNote = byId('source-file');
const codeHeading = byId('code-heading');

/** The language an output-only submission names (docs/problems.md). */
const OUTPUT_LANGUAGE = 'output';

let language = '';
let languages: LanguageView[] = [];
let problems: ProblemSummary[] = [];
/** The chosen problem as GET /api/v1/problems/:id shows it, when it has files or graders to show. */
let problemDetail: ProblemView | null = null;
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
  showGraderFiles();
  await editor.setLanguage(id);
}

/**
 * Fills the language list: every installed language, or only those the chosen problem has graders
 * for. Keeps the current language when it is allowed, else switches to the first allowed one.
 */
async function renderLanguages(): Promise<void> {
  if (chosenProblem()?.type === 'output-only') {
    languageSelect.replaceChildren(new Option('None: outputs only', ''));
    languageSelect.disabled = true;
    return;
  }
  const graders = chosenProblem()?.graders;
  const list = graders ? languages.filter((l) => graders.includes(l.id)) : languages;
  languageSelect.replaceChildren(
    ...list.map((l) => new Option(l.version ? `${l.name} ${l.version}` : l.name, l.id)),
  );
  languageSelect.disabled = list.length === 0;
  if (list.length === 0) {
    say("None of this problem's grader languages is installed on this server.", 'error');
    return;
  }
  const stored = localStorage.getItem(STORAGE.language);
  const pick = [language, stored, DEFAULT_LANGUAGE, list[0]!.id].find(
    (id) => id && list.some((l) => l.id === id),
  )!;
  languageSelect.value = pick;
  if (pick !== language) await switchLanguage(pick);
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
  languages = list;
  if (list.length === 0) {
    languageSelect.replaceChildren();
    languageSelect.disabled = true;
    say('No language is installed on this server (see `arbiter doctor`).', 'error');
    return;
  }
  await renderLanguages();
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
  await showProblemMode();
}

function chosenProblem(): ProblemSummary | undefined {
  return problems.find((p) => p.id === problemSelect.value);
}

/** What the chosen problem asks for: a program (maybe with graders, maybe interactive) or outputs. */
function problemText(problem: ProblemSummary): string {
  const tests = `the ${problem.testCount} tests of “${problem.title}”`;
  if (problem.type === 'output-only')
    return `Output-only: you submit the output of each of ${tests}; no program runs.`;
  const parts = [`Judged against ${tests}.`];
  if (problem.interactor)
    parts.push(
      "Interactive: your program talks with the problem's interactor through stdin and stdout; it gets no input of its own (no stdin to fill), and its output is not shown. Flush after each line you print.",
    );
  else parts.push('Each test gives its own input.');
  if (problem.graders)
    parts.push(`Write the part the problem's grader calls, in ${problem.graders.join(', ')}.`);
  return parts.join(' ');
}

async function showProblemMode(): Promise<void> {
  const problem = chosenProblem();
  const outputOnly = problem?.type === 'output-only';
  stdinField.hidden = problem !== undefined;
  problemInfo.hidden = problem === undefined;
  if (problem) problemInfo.textContent = problemText(problem);
  outputs.show(problem?.id ?? null, outputOnly ? (problem.outputFiles ?? []) : null);
  editorBlock.hidden = outputOnly;
  codeHeading.hidden = outputOnly;
  editorHelp.hidden = outputOnly;
  resetButton.hidden = outputOnly;
  problemDetail = null;
  showGraderFiles();
  if (languages.length > 0) await renderLanguages();
  if (problem && (problem.graders || problem.visibleFiles)) await loadProblemDetail(problem.id);
}

/** Fetches the chosen problem's visible files and graders; a late answer for another problem is dropped. */
async function loadProblemDetail(id: string): Promise<void> {
  let detail: ProblemView;
  try {
    detail = await getJson<ProblemView>(`/api/v1/problems/${encodeURIComponent(id)}`);
  } catch (error) {
    handleError(error, 'problem', () => void loadProblemDetail(id));
    return;
  }
  if (chosenProblem()?.id !== id) return;
  problemDetail = detail;
  showGraderFiles();
}

/**
 * The chosen problem's read-only files for the current language: its visible files, then the
 * visible files of that language's grader; and the name the student's source gets.
 */
function showGraderFiles(): void {
  const grader = problemDetail?.graders?.[language];
  // An admin's view has every file; the page shows what a student sees.
  const files = [...(problemDetail?.files ?? []), ...(grader?.files ?? [])].filter((f) => f.visible);
  showProblemFiles(files);
  sourceFileNote.hidden = !grader;
  if (grader)
    sourceFileNote.textContent = grader.sourceFile
      ? `Your code is saved as ${grader.sourceFile}${grader.entry ? ` and ${grader.entry} runs it` : ' and compiled with the grader'}.`
      : "Your code is compiled with the problem's grader.";
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
  const problem = problems.find((p) => p.id === submission.problemId);
  results.show(submission, { interactive: problem?.interactor !== undefined });
  say(`Finished: ${statusLabel(submission.status)}.`, 'done');
  active?.abort.abort();
  active = null;
  setRunning(false);
}

async function run(): Promise<void> {
  if (active || runButton.disabled) return;
  const problemId = problemSelect.value;
  let body: Record<string, unknown>;
  if (chosenProblem()?.type === 'output-only') {
    const files = outputs.files();
    if (!files) return say('Nothing to submit yet.', 'error');
    body = { language: OUTPUT_LANGUAGE, files, problemId };
  } else if (!language) return;
  else
    body = problemId
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
problemSelect.addEventListener('change', () => void showProblemMode());
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
