/**
 * The language list: every installed language, or only those the chosen problem has graders for.
 * Switching saves the code written so far and loads the code last written in the new language.
 */
import { byId } from '../shared/by-id.js';
import { getJson } from '../shared/api.js';
import type { LanguageView, ProblemSummary } from '../shared/types.js';
import type { ApiErrorHandler } from './api-error-handler.js';
import type { CodeEditor } from './code-editor.js';
import {
  DEFAULT_LANGUAGE,
  saveCode,
  saveLanguage,
  starterCode,
  storedLanguage,
  type CodeAutosave,
} from './editor-storage.js';
import { say } from './status-line.js';

export interface LanguagePickerOptions {
  editor: CodeEditor;
  autosave: CodeAutosave;
  errors: ApiErrorHandler;
  /** The chosen problem, which may limit the languages. */
  problem: () => ProblemSummary | undefined;
  /** The language changed (the problem's files to show depend on it). */
  onSwitch: () => void;
  /** The list came and the editor can run. */
  onLoaded: () => void;
}

export class LanguagePicker {
  readonly #select = byId<HTMLSelectElement>('language');
  readonly #options: LanguagePickerOptions;
  #languages: LanguageView[] = [];
  #current = '';

  constructor(options: LanguagePickerOptions) {
    this.#options = options;
    this.#select.addEventListener('change', () => void this.switchTo(this.#select.value));
  }

  /** The language being written in; '' until one is chosen. */
  get current(): string {
    return this.#current;
  }

  /** Whether the server listed its languages (and any is installed). */
  get loaded(): boolean {
    return this.#languages.length > 0;
  }

  async load(): Promise<void> {
    let list: LanguageView[];
    try {
      ({ languages: list } = await getJson<{ languages: LanguageView[] }>('/api/v1/languages'));
    } catch (error) {
      this.#select.replaceChildren(new Option('Languages unavailable', ''));
      this.#options.errors.handle(error, 'languages', () => void this.load());
      return;
    }
    this.#options.errors.hideKeyForm();
    this.#languages = list;
    if (list.length === 0) {
      this.#select.replaceChildren();
      this.#select.disabled = true;
      say('No language is installed on this server (see `arbiter doctor`).', 'error');
      return;
    }
    await this.render();
    this.#options.onLoaded();
  }

  /** Fills the list; keeps the current language when it is allowed, else switches to the first allowed one. */
  async render(): Promise<void> {
    const problem = this.#options.problem();
    if (problem?.type === 'output-only') {
      this.#select.replaceChildren(new Option('None: outputs only', ''));
      this.#select.disabled = true;
      return;
    }
    const graders = problem?.graders;
    const list = graders ? this.#languages.filter((l) => graders.includes(l.id)) : this.#languages;
    this.#select.replaceChildren(
      ...list.map((l) => new Option(l.version ? `${l.name} ${l.version}` : l.name, l.id)),
    );
    this.#select.disabled = list.length === 0;
    if (list.length === 0) {
      say("None of this problem's grader languages is installed on this server.", 'error');
      return;
    }
    const pick = [this.#current, storedLanguage(), DEFAULT_LANGUAGE, list[0]!.id].find(
      (id) => id && list.some((l) => l.id === id),
    )!;
    this.#select.value = pick;
    if (pick !== this.#current) await this.switchTo(pick);
  }

  async switchTo(id: string): Promise<void> {
    const { editor, autosave } = this.#options;
    if (this.#current) {
      autosave.cancel();
      saveCode(this.#current, editor.code);
    }
    this.#current = id;
    saveLanguage(id);
    editor.setCode(starterCode(id));
    this.#options.onSwitch();
    await editor.setLanguage(id);
  }
}
