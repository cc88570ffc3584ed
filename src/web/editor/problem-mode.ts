/**
 * The editor's problem mode beyond "write a program": an output-only problem's outputs (uploaded as
 * files or pasted, one per test) and a problem's read-only files (a grader's header, a data file).
 */
import { byId } from '../shared/by-id.js';
import type { ProblemFileView } from '../shared/types.js';
import type { SourceFile } from '../../contract.js';

/** The server's bound on one output (docs/problems.md, "Output-only problems"). */
export const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** A file shown read-only is cut here: a header is short, a data file may not be. */
const MAX_SHOWN_FILE_CHARS = 64 * 1024;

/** The outputs of an output-only problem: a box per test, filled by typing or by uploading files. */
export class OutputsPanel {
  readonly #area = byId('outputs-area');
  readonly #list = byId('outputs-list');
  readonly #upload = byId<HTMLInputElement>('outputs-upload');
  readonly #message = byId('outputs-message');
  #boxes = new Map<string, HTMLTextAreaElement>();
  /** The problem the boxes are for: reloading the problem list keeps what was typed in them. */
  #problemId: string | null = null;

  constructor() {
    this.#upload.addEventListener('change', () => void this.#read(this.#upload.files));
  }

  /**
   * Shows a box per output file name (`small.out`, `2.out`) of problem `problemId`, or hides the
   * panel when `names` is null. Shown again for the same problem, each box keeps its text.
   */
  show(problemId: string | null, names: readonly string[] | null): void {
    this.#area.hidden = names === null;
    const kept =
      problemId === this.#problemId
        ? new Map([...this.#boxes].map(([name, box]) => [name, box.value]))
        : new Map<string, string>();
    this.#problemId = problemId;
    this.#boxes = new Map();
    this.#list.replaceChildren();
    this.#upload.value = '';
    this.#say('');
    for (const [i, name] of (names ?? []).entries()) {
      const field = document.createElement('div');
      field.className = 'field';
      const label = document.createElement('label');
      label.htmlFor = `output-${i}`;
      label.textContent = name;
      const box = document.createElement('textarea');
      box.id = `output-${i}`;
      box.rows = 3;
      box.spellcheck = false;
      box.dataset.name = name;
      box.placeholder = `The output for ${name}`;
      box.value = kept.get(name) ?? '';
      box.addEventListener('input', () => this.#sayMissing());
      field.append(label, box);
      this.#list.append(field);
      this.#boxes.set(name, box);
    }
  }

  /**
   * The files to submit, or null (with the reason shown) when there is nothing to send. A box left
   * empty is a missing output: the test is judged wrong, and the student is told which.
   */
  files(): SourceFile[] | null {
    const given = [...this.#boxes].filter(([, box]) => box.value !== '');
    if (given.length === 0) {
      this.#say('Give at least one output: upload the files or paste into the boxes.', 'error');
      return null;
    }
    this.#sayMissing();
    return given.map(([name, box]) => ({ name, content: box.value }));
  }

  async #read(list: FileList | null): Promise<void> {
    const problems: string[] = [];
    let read = 0;
    for (const file of list ? [...list] : []) {
      const box = this.#boxes.get(file.name);
      if (!box) problems.push(`${file.name} names no test of this problem`);
      else if (file.size > MAX_OUTPUT_BYTES) problems.push(`${file.name} is over 4 MiB`);
      else {
        box.value = await file.text();
        read++;
      }
    }
    this.#upload.value = '';
    if (problems.length > 0) {
      const expected = [...this.#boxes.keys()].slice(0, 10).join(', ');
      this.#say(
        `Not used: ${problems.join('; ')}. Name each file after its test: ${expected}${this.#boxes.size > 10 ? ', …' : ''}.`,
        'error',
      );
    } else this.#sayMissing(read);
  }

  /** Which outputs are still missing (each will be judged wrong). */
  #sayMissing(read?: number): void {
    const missing = [...this.#boxes].filter(([, box]) => box.value === '').map(([name]) => name);
    const loaded = read === undefined ? '' : `Read ${read} file${read === 1 ? '' : 's'}. `;
    if (missing.length === 0) this.#say(`${loaded}Every test has its output.`);
    else
      this.#say(
        `${loaded}No output yet for ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? `, … (${missing.length} in all)` : ''}: those tests are judged wrong unless you give one.`,
      );
  }

  #say(text: string, state = 'idle'): void {
    this.#message.textContent = text;
    this.#message.dataset.state = state;
  }
}

/** Shows the problem's files a student may read (a header to code against), each read-only. */
export function showProblemFiles(files: readonly ProblemFileView[]): void {
  const block = byId<HTMLDetailsElement>('problem-files');
  const list = byId('problem-files-list');
  block.hidden = files.length === 0;
  list.replaceChildren(
    ...files.flatMap((file) => {
      const heading = document.createElement('h3');
      heading.textContent = file.name;
      const content = document.createElement('pre');
      content.tabIndex = 0;
      content.setAttribute('aria-label', `${file.name}, read-only`);
      content.textContent =
        file.encoding === 'base64'
          ? '(binary file: not shown)'
          : file.content.length > MAX_SHOWN_FILE_CHARS
            ? `${file.content.slice(0, MAX_SHOWN_FILE_CHARS)}\n… (cut: the file is longer)`
            : file.content;
      return [heading, content];
    }),
  );
}
