import type { RunLimits, SubmissionInput } from '../submit-connection.js';

/**
 * The programs a simulated student submits. A correct one reads two numbers and prints their sum,
 * judged against one test (so accepted means the judge really compared output). A faulty one does
 * what beginners' programs do: loops forever, exhausts memory, or does not compile. Faulty ones get
 * small limits so that they end fast and the test measures the service, not the time limit.
 */

export type ProgramKind = 'correct' | 'loop' | 'memory' | 'compile';
export const FAULT_KINDS: readonly ProgramKind[] = ['loop', 'memory', 'compile'];

interface Templates {
  correct: string;
  loop: string;
  memory: string;
  /** Interpreted languages fail at run time instead (runtime_error): still a student's typo. */
  compile: string;
}

const TEMPLATES: Readonly<Record<string, Templates>> = {
  python3: {
    correct: 'a, b = map(int, input().split())\nprint(a + b)\n',
    loop: 'while True:\n    pass\n',
    memory: 'chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))\n',
    compile: 'def main(:\n    print("oops")\n',
  },
  c: {
    correct:
      '#include <stdio.h>\nint main(void) {\n  long a, b;\n  if (scanf("%ld %ld", &a, &b) != 2) return 1;\n  printf("%ld\\n", a + b);\n  return 0;\n}\n',
    loop: 'int main(void) {\n  volatile unsigned long n = 0;\n  for (;;) n++;\n}\n',
    memory:
      '#include <stdlib.h>\n#include <string.h>\nint main(void) {\n  for (;;) {\n    char *p = malloc(16 << 20);\n    if (!p) return 1;\n    memset(p, 1, 16 << 20);\n  }\n}\n',
    compile: 'int main(void) {\n  return undeclared_variable;\n}\n',
  },
  cpp: {
    correct:
      '#include <iostream>\nint main() {\n  long a, b;\n  std::cin >> a >> b;\n  std::cout << a + b << "\\n";\n}\n',
    loop: 'int main() {\n  volatile unsigned long n = 0;\n  for (;;) n++;\n}\n',
    memory:
      '#include <vector>\nint main() {\n  std::vector<std::vector<char>> v;\n  for (;;) v.emplace_back(16 << 20, 1);\n}\n',
    compile: 'int main() {\n  return undeclared_variable;\n}\n',
  },
  java: {
    correct:
      'import java.util.Scanner;\npublic class Main {\n  public static void main(String[] args) {\n    Scanner in = new Scanner(System.in);\n    long a = in.nextLong(), b = in.nextLong();\n    System.out.println(a + b);\n  }\n}\n',
    loop: 'public class Main {\n  public static void main(String[] args) {\n    long n = 0;\n    while (true) n++;\n  }\n}\n',
    memory:
      'import java.util.ArrayList;\npublic class Main {\n  public static void main(String[] args) {\n    ArrayList<byte[]> chunks = new ArrayList<>();\n    while (true) chunks.add(new byte[16 << 20]);\n  }\n}\n',
    compile: 'public class Main {\n  public static void main(String[] args) {\n    int x = "text"\n  }\n}\n',
  },
  javascript: {
    correct:
      'const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);\nconsole.log(a + b);\n',
    loop: 'for (;;) {}\n',
    memory: 'const chunks = [];\nfor (;;) chunks.push(Buffer.alloc(16 << 20, 1));\n',
    compile: 'function main( {\n  console.log("oops");\n}\n',
  },
};

/** Languages the load test has programs for. */
export const PROGRAM_LANGUAGES: readonly string[] = Object.keys(TEMPLATES);

/** Limits of faulty programs: enough for any of these languages to start, small enough to end fast. */
const FAULTY_LIMITS: Readonly<RunLimits> = Object.freeze({ cpuMs: 500, wallMs: 2_000, memoryKb: 128 * 1024 });

export interface LoadProgram {
  language: string;
  kind: ProgramKind;
  input: SubmissionInput;
}

/** A program of `language`; `random` decides the numbers of a correct one. */
export function makeProgram(
  language: string,
  kind: ProgramKind,
  random: () => number = Math.random,
): LoadProgram {
  const templates = TEMPLATES[language];
  if (!templates) throw new Error(`no load-test programs for ${language}`);
  if (kind === 'correct') {
    const a = Math.floor(random() * 1_000_000);
    const b = Math.floor(random() * 1_000_000);
    return {
      language,
      kind,
      input: {
        language,
        source: templates.correct,
        tests: [{ stdin: `${a} ${b}\n`, expected: `${a + b}\n` }],
      },
    };
  }
  return {
    language,
    kind,
    input: {
      language,
      source: templates[kind],
      tests: [{ stdin: '1 2\n', expected: '3\n' }],
      limits: { ...FAULTY_LIMITS },
    },
  };
}

/** Draws a language by weight, then whether the program is faulty (and how). */
export function pickProgram(
  mix: readonly { language: string; weight: number }[],
  faultyRatio: number,
  random: () => number = Math.random,
): LoadProgram {
  const total = mix.reduce((sum, m) => sum + m.weight, 0);
  let roll = random() * total;
  let language = mix[mix.length - 1]!.language;
  for (const entry of mix) {
    roll -= entry.weight;
    if (roll < 0) {
      language = entry.language;
      break;
    }
  }
  const kind = random() < faultyRatio ? FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)]! : 'correct';
  return makeProgram(language, kind, random);
}
