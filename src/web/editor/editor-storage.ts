/** What the editor keeps in localStorage: the code per language, the language, the stdin. */
import { GREETING_SAMPLES } from '../../languages/samples.js';

const KEYS = {
  code: (language: string) => `arbiter.code.${language}`,
  language: 'arbiter.language',
  stdin: 'arbiter.stdin',
} as const;
/** Language picked when nothing was stored and it is installed. */
export const DEFAULT_LANGUAGE = 'python3';
/** The starter programs read a name from stdin (src/languages/samples.ts). */
const DEFAULT_STDIN = 'world';
/** Keystrokes are saved this long after typing stops. */
const SAVE_DELAY_MS = 300;

export function storedLanguage(): string | null {
  return localStorage.getItem(KEYS.language);
}

export function saveLanguage(id: string): void {
  localStorage.setItem(KEYS.language, id);
}

export function storedStdin(): string {
  return localStorage.getItem(KEYS.stdin) ?? DEFAULT_STDIN;
}

export function saveStdin(stdin: string): void {
  localStorage.setItem(KEYS.stdin, stdin);
}

/** The code last written in `language`, else its starter program. */
export function starterCode(language: string): string {
  return localStorage.getItem(KEYS.code(language)) ?? GREETING_SAMPLES[language] ?? '';
}

export function saveCode(language: string, code: string): void {
  localStorage.setItem(KEYS.code(language), code);
}

/** Saves the code once typing pauses, not on every keystroke. */
export class CodeAutosave {
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Replaces a save still pending; nothing is saved without a language. */
  saveSoon(language: string, code: string): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => language && saveCode(language, code), SAVE_DELAY_MS);
  }

  cancel(): void {
    clearTimeout(this.#timer);
  }
}
