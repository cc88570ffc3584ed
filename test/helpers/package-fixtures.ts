// Problem packages for the tests, written for Arbiter (no file of any other project): a Kattis
// package with two scored groups and a Python output validator, and a Polygon package whose
// checker includes a tiny testlib-compatible header of our own.
import type { PackageTree } from './package-zip.js';

/** Adds two numbers with Python's unbounded ints: right everywhere. */
export const SUM_PY = 'a, b = map(int, input().split())\nprint(a + b)\n';

/** Adds in C's 32-bit int: right for small numbers, wrong once the sum passes 2^31. */
export const INT_SUM_C =
  '#include <stdio.h>\nint main(void){int a,b; if(scanf("%d %d",&a,&b)!=2) return 3; printf("%d\\n",a+b); return 0;}\n';

/** The same wrong sum in Python: wraps at 32 bits. */
export const INT_SUM_PY = 'a, b = map(int, input().split())\nprint((a + b + 2**31) % 2**32 - 2**31)\n';

export const SUM_CPP =
  '#include <cstdio>\nint main(){long long a,b; if(std::scanf("%lld %lld",&a,&b)!=2) return 3; std::printf("%lld\\n",a+b);}\n';

/** A Kattis output validator: integer tokens equal, a judge message otherwise. */
export const KATTIS_VALIDATOR_PY = `import sys

input_file, answer_file, feedback_dir = sys.argv[1], sys.argv[2], sys.argv[3]
with open(answer_file) as f:
    expected = f.read().split()
got = sys.stdin.read().split()
if got == expected:
    sys.exit(42)
with open(feedback_dir + "/judgemessage.txt", "w") as f:
    f.write("expected %s, got %s" % (" ".join(expected), " ".join(got[:5]) or "nothing"))
sys.exit(43)
`;

/**
 * A Kattis package: samples (1 test), group small (min, 40 points, 2 tests), group big (sum, 60
 * points, 2 tests), the validator above, an accepted and a wrong_answer reference solution.
 */
export function kattisSumPackage(): PackageTree {
  return {
    'problem.yaml': 'name: Add Two Numbers\nvalidation: custom\nlimits:\n  time_limit: 2\n  memory: 256\n',
    'data/sample/1.in': '1 2\n',
    'data/sample/1.ans': '3\n',
    'data/secret/small/testdata.yaml': 'scoring:\n  score: 40\n  aggregation: min\n',
    'data/secret/small/01.in': '2 3\n',
    'data/secret/small/01.ans': '5\n',
    'data/secret/small/02.in': '10 20\n',
    'data/secret/small/02.ans': '30\n',
    'data/secret/big/testdata.yaml': 'scoring:\n  score: 60\n',
    'data/secret/big/01.in': '2000000000 2000000000\n',
    'data/secret/big/01.ans': '4000000000\n',
    'data/secret/big/02.in': '7 8\n',
    'data/secret/big/02.ans': '15\n',
    'output_validators/sumcheck/validator.py': KATTIS_VALIDATOR_PY,
    'submissions/accepted/sum.py': SUM_PY,
    'submissions/wrong_answer/int32.c': INT_SUM_C,
  };
}

/**
 * Just enough of testlib's interface for a simple checker (registerTestlibCmd, inf/ouf/ans,
 * readLong, quitf with _ok/_wa/_pe/_fail, testlib's exit codes), written from the protocol.
 */
export const MINI_TESTLIB_H = `// A tiny testlib-compatible header written for Arbiter's tests.
#pragma once
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

enum TResult { _ok = 0, _wa = 1, _pe = 2, _fail = 3 };

[[noreturn]] inline void quitf(TResult result, const char *format, ...) {
  static const char *const words[] = {"ok ", "wrong answer ", "wrong output format ", "FAIL "};
  std::fputs(words[result], stderr);
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fputc('\\n', stderr);
  std::exit(result);
}

struct InStream {
  std::FILE *file = nullptr;
  TResult onError = _fail;
  long long readLong() {
    long long value = 0;
    if (file == nullptr || std::fscanf(file, "%lld", &value) != 1) quitf(onError, "an integer was expected");
    return value;
  }
};

inline InStream inf, ouf, ans;

inline void registerTestlibCmd(int argc, char *argv[]) {
  if (argc < 4) quitf(_fail, "usage: checker input output answer");
  inf.file = std::fopen(argv[1], "r");
  ouf.file = std::fopen(argv[2], "r");
  ans.file = std::fopen(argv[3], "r");
  ouf.onError = _pe;
}
`;

export const POLYGON_CHECKER_CPP = `#include "testlib.h"

int main(int argc, char *argv[]) {
  registerTestlibCmd(argc, argv);
  long long expected = ans.readLong();
  long long found = ouf.readLong();
  if (found != expected) quitf(_wa, "expected %lld, found %lld", expected, found);
  quitf(_ok, "the sum is %lld", found);
}
`;

export function polygonProblemXml(options: { checker?: string } = {}): string {
  const checker = options.checker ?? 'check.cpp';
  return `<?xml version="1.0" encoding="utf-8" standalone="no"?>
<problem revision="7" short-name="poly-sum" url="https://polygon.invalid/p/poly-sum">
  <names>
    <name language="english" value="Polygon Sum"/>
  </names>
  <judging cpu-name="Intel(R) Core(TM) i3-8100 CPU @ 3.60GHz" cpu-speed="3600" input-file="" output-file="">
    <testset name="tests">
      <time-limit>2000</time-limit>
      <memory-limit>268435456</memory-limit>
      <test-count>3</test-count>
      <input-path-pattern>tests/%02d</input-path-pattern>
      <answer-path-pattern>tests/%02d.a</answer-path-pattern>
      <tests>
        <test method="manual" sample="true"/>
        <test method="manual"/>
        <test cmd="gen 2000000000" method="generated"/>
      </tests>
    </testset>
  </judging>
  <files>
    <resources>
      <file path="files/testlib.h" type="h.g++"/>
    </resources>
  </files>
  <assets>
    <checker name="${checker}" type="testlib">
      <source path="files/check.cpp" type="cpp.g++17"/>
      <copy path="check.cpp"/>
    </checker>
    <solutions>
      <solution tag="main">
        <source path="solutions/sum.cpp" type="cpp.g++17"/>
      </solution>
      <solution tag="wrong-answer">
        <source path="solutions/int32.py" type="python.3"/>
      </solution>
      <solution tag="time-limit-exceeded-or-accepted">
        <source path="solutions/maybe.py" type="python.3"/>
      </solution>
    </solutions>
  </assets>
</problem>
`;
}

/** A Polygon package: 3 tests (the first a sample), the checker above, a main and a wrong solution. */
export function polygonSumPackage(): PackageTree {
  return {
    'problem.xml': polygonProblemXml(),
    'tests/01': '1 2\n',
    'tests/01.a': '3\n',
    'tests/02': '20 22\n',
    'tests/02.a': '42\n',
    'tests/03': '2000000000 2000000000\n',
    'tests/03.a': '4000000000\n',
    'files/testlib.h': MINI_TESTLIB_H,
    'files/check.cpp': POLYGON_CHECKER_CPP,
    'solutions/sum.cpp': SUM_CPP,
    'solutions/int32.py': INT_SUM_PY,
    'solutions/maybe.py': SUM_PY,
  };
}
