/**
 * Splits compiler_options and command_line_arguments into argv the way a POSIX shell splits words:
 * blanks separate, single quotes keep everything, double quotes keep all but \" \\ \$ \`, a
 * backslash outside quotes escapes the next character. Nothing is expanded and nothing is run: Judge0
 * puts these strings on a shell command line, Arbiter passes the words to exec directly, so `;`,
 * `$(...)` and globs are plain characters here.
 */
export function splitShellWords(text: string): string[] | { error: string } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { error: 'has an unterminated single quote' };
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      inWord = true;
      for (;;) {
        if (i >= text.length) return { error: 'has an unterminated double quote' };
        const d = text[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) {
          word += text[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      i++;
    } else if (c === '\\') {
      // A backslash before a newline joins lines; before anything else it keeps that character.
      if (i + 1 < text.length && text[i + 1] !== '\n') {
        word += text[i + 1];
        inWord = true;
      }
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Quotes one word for a Bash script so that it stays one word, whatever it holds. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
