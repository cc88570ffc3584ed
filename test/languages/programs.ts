/**
 * Per language: a program that copies all of stdin to stdout, one that fails at run time, and (for
 * compiled languages) one that does not compile. The greeting samples in src/languages/samples.ts
 * cover hello world.
 */
export interface LanguagePrograms {
  echo: string;
  runtimeError: string;
  compileError?: string;
}

export const PROGRAMS: Record<string, LanguagePrograms> = {
  c: {
    echo: '#include <stdio.h>\nint main(void){int c; while((c=getchar())!=EOF) putchar(c); return 0;}\n',
    runtimeError: '#include <stdlib.h>\nint main(void){ abort(); }\n',
    compileError: 'int main(void) { return undefined_thing; }\n',
  },
  cpp: {
    echo: '#include <iostream>\nint main(){ std::cout << std::cin.rdbuf(); }\n',
    runtimeError: '#include <stdexcept>\nint main(){ throw std::runtime_error("boom"); }\n',
    compileError: 'int main() { std::vector<int> v; }\n',
  },
  python3: {
    echo: 'import sys\nsys.stdout.write(sys.stdin.read())\n',
    runtimeError: 'raise ValueError("boom")\n',
  },
  javascript: {
    echo: 'process.stdout.write(require("fs").readFileSync(0));\n',
    runtimeError: 'throw new Error("boom");\n',
  },
  typescript: {
    echo: 'const data: Buffer = require("fs").readFileSync(0);\nprocess.stdout.write(data);\n',
    runtimeError: 'const n: number = 1;\nthrow new Error("boom " + n);\n',
    compileError: 'const n: number = "not a number";\n',
  },
  java: {
    echo: 'import java.io.*;\npublic class Main { public static void main(String[] a) throws IOException { System.in.transferTo(System.out); System.out.flush(); } }\n',
    runtimeError:
      'public class Main { public static void main(String[] a) { int[] x = new int[1]; System.out.println(x[5]); } }\n',
    compileError: 'public class Main { public static void main(String[] a) { int x = "s"; } }\n',
  },
  go: {
    echo: 'package main\nimport ("io"; "os")\nfunc main(){ io.Copy(os.Stdout, os.Stdin) }\n',
    runtimeError: 'package main\nfunc main(){ var a []int; _ = a[3] }\n',
    compileError: 'package main\nfunc main(){ x := 1 }\n',
  },
  rust: {
    echo: 'use std::io::*;\nfn main(){ let mut s = Vec::new(); stdin().read_to_end(&mut s).unwrap(); stdout().write_all(&s).unwrap(); }\n',
    runtimeError: 'fn main(){ let v: Vec<i32> = Vec::new(); println!("{}", v[3]); }\n',
    compileError: 'fn main(){ let x: i32 = "s"; }\n',
  },
  ruby: { echo: '$stdout.write($stdin.read)\n', runtimeError: 'raise "boom"\n' },
  php: {
    echo: '<?php echo stream_get_contents(STDIN);\n',
    runtimeError: '<?php throw new Exception("boom");\n',
  },
  lua: { echo: 'io.write(io.read("a"))\n', runtimeError: 'error("boom")\n' },
  bash: { echo: 'cat\n', runtimeError: 'echo failing >&2\nexit 3\n' },
  perl: { echo: 'print while <STDIN>;\n', runtimeError: 'die "boom\\n";\n' },
  csharp: {
    echo: 'using System;\nclass P { static void Main(){ Console.Out.Write(Console.In.ReadToEnd()); } }\n',
    runtimeError: 'using System;\nclass P { static void Main(){ throw new Exception("boom"); } }\n',
    compileError: 'class P { static void Main(){ int x = "s"; } }\n',
  },
  kotlin: {
    echo: 'fun main() { print(generateSequence(::readLine).joinToString("\\n", postfix = "\\n")) }\n',
    runtimeError: 'fun main() { throw IllegalStateException("boom") }\n',
    compileError: 'fun main() { val x: Int = "s" }\n',
  },
  haskell: {
    echo: 'main :: IO ()\nmain = interact id\n',
    runtimeError: 'main :: IO ()\nmain = error "boom"\n',
    compileError: 'main :: IO ()\nmain = putStrLn 42\n',
  },
  pascal: {
    echo: 'program Echo;\nvar s: string;\nbegin\n  while not eof do begin readln(s); writeln(s); end;\nend.\n',
    runtimeError: 'program Boom;\nbegin\n  halt(3);\nend.\n',
    compileError: 'program Broken;\nbegin\n  x := 1;\nend.\n',
  },
  fortran: {
    echo: "program echo\n  character(len=1000) :: line\n  integer :: ios\n  do\n    read(*, '(A)', iostat=ios) line\n    if (ios /= 0) exit\n    write(*, '(A)') trim(line)\n  end do\nend program echo\n",
    runtimeError: 'program boom\n  error stop 3\nend program boom\n',
    compileError: 'program broken\n  x = = 1\nend program broken\n',
  },
  sqlite: {
    echo: "SELECT 'line one';\nSELECT 'line two';\n",
    runtimeError: 'SELECT * FROM no_such_table;\n',
  },
  ocaml: {
    echo: 'let () = try while true do print_endline (read_line ()) done with End_of_file -> ()\n',
    runtimeError: 'let () = failwith "boom"\n',
    compileError: 'let () = print_endline 42\n',
  },
  commonlisp: {
    echo: '(loop for line = (read-line *standard-input* nil) while line do (write-line line))\n',
    runtimeError: '(error "boom")\n',
  },
};
