/**
 * The editor page: pick a language (and maybe a problem), write code, run it, and follow it live
 * (queued with its position → running → verdict) over SSE. Code is kept per language in
 * localStorage; the API key, when the server asks for one, too.
 */
import { GREETING_SAMPLES } from '../../languages/samples.js';
import { byId } from '../shared/by-id.js';
import { ApiErrorHandler } from './api-error-handler.js';
import { CodeEditor } from './code-editor.js';
import {
  CodeAutosave,
  DEFAULT_LANGUAGE,
  saveCode,
  saveStdin,
  storedLanguage,
  storedStdin,
} from './editor-storage.js';
import { LanguagePicker } from './language-picker.js';
import { loadLanguageMode } from './language-modes.js';
import { ProblemPicker } from './problem-picker.js';
import { ResultView } from './result-view.js';
import { RunControls } from './run-controls.js';
import { say } from './status-line.js';
import { submissionRequest } from './submission-request.js';
import { SubmissionRunner } from './submission-runner.js';

const stdinInput = byId<HTMLTextAreaElement>('stdin');
const autosave = new CodeAutosave();
const controls = new RunControls({ onRun: () => void runner.run(), onCancel: () => void runner.cancel() });
const errors = new ApiErrorHandler(controls);

const editor = new CodeEditor({
  parent: byId('editor'),
  labelledBy: 'code-heading',
  describedBy: 'editor-help',
  onRun: () => void runner.run(),
  onChange: (code) => autosave.saveSoon(languages.current, code),
});

const languages: LanguagePicker = new LanguagePicker({
  editor,
  autosave,
  errors,
  problem: () => problems.chosen(),
  onSwitch: () => problems.showFiles(),
  onLoaded: () => {
    say('Ready.');
    document.documentElement.dataset.ready = 'editor';
    performance.mark('arbiter:editor-ready');
  },
});

const problems: ProblemPicker = new ProblemPicker({
  errors,
  language: () => languages.current,
  onChange: async () => {
    if (languages.loaded) await languages.render();
  },
});

const runner: SubmissionRunner = new SubmissionRunner({
  controls,
  results: new ResultView(),
  errors,
  request: () =>
    submissionRequest({
      problemId: problems.chosenId,
      problem: problems.chosen(),
      language: languages.current,
      source: editor.code,
      stdin: stdinInput.value,
      outputs: () => problems.outputFiles(),
    }),
  isInteractive: (problemId) => problems.find(problemId)?.interactor !== undefined,
});

stdinInput.value = storedStdin();
stdinInput.addEventListener('input', () => saveStdin(stdinInput.value));
byId('reset').addEventListener('click', () => {
  editor.setCode(GREETING_SAMPLES[languages.current] ?? '');
  editor.focus();
});
document.addEventListener('keydown', (event) => {
  // The editor handles its own Mod-Enter (and marks the event handled); this covers the rest of the page.
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
    event.preventDefault();
    void runner.run();
  }
});
window.addEventListener('pagehide', () => {
  if (languages.current) saveCode(languages.current, editor.code);
});

// The likely language's grammar downloads while the language list is fetched, not after it.
void loadLanguageMode(storedLanguage() ?? DEFAULT_LANGUAGE);
void Promise.all([languages.load(), problems.load()]);
