/** The CodeMirror 6 editor: a small setup with undo, indentation, highlighting and Mod-Enter to run. */
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from '@codemirror/language';
import { Compartment, EditorState, Prec } from '@codemirror/state';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { loadLanguageMode } from './language-modes.js';

export interface CodeEditorOptions {
  parent: HTMLElement;
  /** Id of the element that names the editor for screen readers. */
  labelledBy: string;
  /** Id of the element that explains the keys (Tab indents, Esc then Tab leaves). */
  describedBy: string;
  onRun: () => void;
  onChange: (code: string) => void;
}

export class CodeEditor {
  readonly view: EditorView;
  readonly #language = new Compartment();
  /** Bumped on each language switch, so a slow grammar download never overrides a later choice. */
  #generation = 0;

  constructor(options: CodeEditorOptions) {
    this.view = new EditorView({
      parent: options.parent,
      state: EditorState.create({
        doc: '',
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightActiveLine(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          indentUnit.of('    '),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          Prec.highest(
            keymap.of([
              {
                key: 'Mod-Enter',
                run: () => {
                  options.onRun();
                  return true;
                },
              },
            ]),
          ),
          // Tab indents; CodeMirror lets Escape then Tab move focus on, so the page stays keyboard usable.
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          this.#language.of([]),
          EditorView.contentAttributes.of({
            'aria-labelledby': options.labelledBy,
            'aria-describedby': options.describedBy,
          }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) options.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
  }

  get code(): string {
    return this.view.state.doc.toString();
  }

  /** Replaces the text (no change event is lost: the listener sees it like any edit). */
  setCode(code: string): void {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: code } });
  }

  /** Switches highlighting; resolves once the grammar is loaded and applied. */
  async setLanguage(id: string): Promise<void> {
    const generation = ++this.#generation;
    const mode = await loadLanguageMode(id);
    if (generation !== this.#generation) return;
    this.view.dispatch({ effects: this.#language.reconfigure(mode) });
  }

  focus(): void {
    this.view.focus();
  }
}
