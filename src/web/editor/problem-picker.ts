/**
 * The problem list and what choosing one changes: the problem's description, stdin or outputs,
 * the editor hidden for an output-only problem, and the problem's read-only files.
 */
import { byId } from '../shared/by-id.js';
import { getJson } from '../shared/api.js';
import type { ProblemSummary, ProblemView } from '../shared/types.js';
import type { ApiErrorHandler } from './api-error-handler.js';
import { OutputsPanel, showProblemFiles } from './problem-mode.js';
import { problemText, sourceFileText } from './problem-text.js';
import type { SourceFile } from '../../contract.js';

export interface ProblemPickerOptions {
  errors: ApiErrorHandler;
  /** The language written in, whose grader's files are shown. */
  language: () => string;
  /** The chosen problem changed (it may limit the languages). */
  onChange: () => Promise<void>;
}

export class ProblemPicker {
  readonly #select = byId<HTMLSelectElement>('problem');
  readonly #info = byId('problem-info');
  readonly #stdinField = byId('stdin-field');
  readonly #outputs = new OutputsPanel();
  /** Shown only for a problem that is not output-only. */
  readonly #codeParts = [byId('editor'), byId('code-heading'), byId('editor-help'), byId('reset')];
  readonly #sourceFileNote = byId('source-file');
  readonly #options: ProblemPickerOptions;
  #problems: ProblemSummary[] = [];
  /** The chosen problem as GET /api/v1/problems/:id shows it, when it has files or graders to show. */
  #detail: ProblemView | null = null;

  constructor(options: ProblemPickerOptions) {
    this.#options = options;
    this.#select.addEventListener('change', () => void this.#showMode());
    byId('problems-reload').addEventListener('click', () => void this.load());
  }

  /** The chosen problem's id; '' for none. */
  get chosenId(): string {
    return this.#select.value;
  }

  chosen(): ProblemSummary | undefined {
    return this.find(this.#select.value);
  }

  find(id: string | undefined): ProblemSummary | undefined {
    return this.#problems.find((p) => p.id === id);
  }

  /** An output-only problem's outputs, or null (the panel says why). */
  outputFiles(): SourceFile[] | null {
    return this.#outputs.files();
  }

  async load(): Promise<void> {
    try {
      ({ problems: this.#problems } = await getJson<{ problems: ProblemSummary[] }>('/api/v1/problems'));
    } catch (error) {
      this.#options.errors.handle(error, 'problems', () => void this.load());
      return;
    }
    const chosen = this.#select.value;
    this.#select.replaceChildren(
      new Option('None: run with the input below', ''),
      ...this.#problems.map((p) => new Option(`${p.title} (${p.testCount} tests)`, p.id)),
    );
    if (this.#problems.some((p) => p.id === chosen)) this.#select.value = chosen;
    await this.#showMode();
  }

  /**
   * The chosen problem's read-only files for the current language: its visible files, then the
   * visible files of that language's grader; and the name the student's source gets.
   */
  showFiles(): void {
    const grader = this.#detail?.graders?.[this.#options.language()];
    // An admin's view has every file; the page shows what a student sees.
    const files = [...(this.#detail?.files ?? []), ...(grader?.files ?? [])].filter((f) => f.visible);
    showProblemFiles(files);
    this.#sourceFileNote.hidden = !grader;
    if (grader) this.#sourceFileNote.textContent = sourceFileText(grader);
  }

  async #showMode(): Promise<void> {
    const problem = this.chosen();
    const outputOnly = problem?.type === 'output-only';
    this.#stdinField.hidden = problem !== undefined;
    this.#info.hidden = problem === undefined;
    if (problem) this.#info.textContent = problemText(problem);
    this.#outputs.show(problem?.id ?? null, outputOnly ? (problem.outputFiles ?? []) : null);
    for (const part of this.#codeParts) part.hidden = outputOnly;
    this.#detail = null;
    this.showFiles();
    await this.#options.onChange();
    if (problem && (problem.graders || problem.visibleFiles)) await this.#loadDetail(problem.id);
  }

  /** Fetches the chosen problem's visible files and graders; a late answer for another problem is dropped. */
  async #loadDetail(id: string): Promise<void> {
    let detail: ProblemView;
    try {
      detail = await getJson<ProblemView>(`/api/v1/problems/${encodeURIComponent(id)}`);
    } catch (error) {
      this.#options.errors.handle(error, 'problem', () => void this.#loadDetail(id));
      return;
    }
    if (this.chosen()?.id !== id) return;
    this.#detail = detail;
    this.showFiles();
  }
}
