// Problem packages with an interactor or include/ files, written for Arbiter's tests (no file of any
// other project): a Kattis guessing game whose output validator speaks the Kattis interactive
// protocol, and a Kattis "write this function" problem whose grader lies in include/cpp/.
import type { PackageTree } from './package-zip.js';

/**
 * A Kattis interactive output validator: `validator input answer feedback_dir`, the program's
 * output on its stdin, its stdout the program's input. input: the secret and the most guesses.
 * Exit 42 when the program finds the secret in time, 43 otherwise, a judge message either way.
 */
export const GUESS_VALIDATOR_PY = `import os
import sys

input_file, answer_file, feedback_dir = sys.argv[1], sys.argv[2], sys.argv[3]
with open(input_file) as f:
    secret, most = map(int, f.read().split())


def judge(message, code):
    with open(os.path.join(feedback_dir, "judgemessage.txt"), "w") as f:
        f.write(message)
    sys.exit(code)


def say(text):
    try:
        print(text, flush=True)
    except BrokenPipeError:
        judge("the program stopped listening", 43)


say(1000)
for guesses in range(1, most + 1):
    line = sys.stdin.readline()
    if not line:
        judge("the program stopped after %d guesses" % (guesses - 1), 43)
    try:
        guess = int(line)
    except ValueError:
        judge("not a number: %r" % line[:20], 43)
    if guess == secret:
        say("correct")
        judge("found in %d guesses" % guesses, 42)
    say("higher" if guess < secret else "lower")
judge("no guesses left", 43)
`;

/** Binary search over 1..n: always finds the secret within 10 guesses. */
export const GUESS_PY = `import sys

lo, hi = 1, int(sys.stdin.readline())
while True:
    mid = (lo + hi) // 2
    print(mid, flush=True)
    reply = sys.stdin.readline().strip()
    if reply in ("correct", ""):
        break
    if reply == "higher":
        lo = mid + 1
    else:
        hi = mid - 1
`;

/** The same search with higher and lower swapped: runs out of guesses. */
export const GUESS_BACKWARDS_PY = GUESS_PY.replace('"higher"', '"lower"');

/** A Kattis interactive package: two samples and three secret tests, a validator, two solutions. */
export function kattisGuessPackage(): PackageTree {
  const tree: PackageTree = {
    'problem.yaml': 'name: Guess the Number\nvalidation: custom interactive\nlimits:\n  time_limit: 2\n',
    'output_validators/guess/validator.py': GUESS_VALIDATOR_PY,
    'submissions/accepted/search.py': GUESS_PY,
    'submissions/wrong_answer/backwards.py': GUESS_BACKWARDS_PY,
    'data/sample/1.interaction': '<1000\n>500\n<correct\n',
  };
  const tests: [string, number][] = [
    ['sample/1', 500],
    ['sample/2', 1],
    ['secret/01', 1000],
    ['secret/02', 377],
    ['secret/03', 999],
  ];
  for (const [name, secret] of tests) {
    tree[`data/${name}.in`] = `${secret} 10\n`;
    tree[`data/${name}.ans`] = '';
  }
  return tree;
}

/** The grader of the function problem: reads pairs, prints add(a, b) for each. */
export const ADD_GRADER_CPP = `#include <cstdio>
#include "add.h"
int main() {
  long long a, b;
  while (std::scanf("%lld %lld", &a, &b) == 2) std::printf("%lld\\n", add(a, b));
}
`;

export const ADD_H = 'long long add(long long a, long long b);\n';

/** The student's function, right. */
export const ADD_CPP = '#include "add.h"\nlong long add(long long a, long long b) { return a + b; }\n';

/** The student's function in 32 bits: wrong once the sum passes 2^31. */
export const ADD_INT_CPP =
  '#include "add.h"\nlong long add(long long a, long long b) { return (int)a + (int)b; }\n';

/**
 * A Kattis package whose C++ submissions are a function: include/cpp/ holds the grader and the
 * header, include/default/ a data file every language finds (the grader does not read it).
 */
export function kattisAddFunctionPackage(): PackageTree {
  return {
    'problem.yaml': 'name: Write add\n',
    'include/cpp/grader.cpp': ADD_GRADER_CPP,
    'include/cpp/add.h': ADD_H,
    'include/default/notes.txt': 'add(a, b) returns a + b\n',
    'data/sample/1.in': '1 2\n',
    'data/sample/1.ans': '3\n',
    'data/secret/1.in': '2000000000 2000000000\n',
    'data/secret/1.ans': '4000000000\n',
    'submissions/accepted/add.cpp': ADD_CPP,
    'submissions/wrong_answer/int.cpp': ADD_INT_CPP,
  };
}
