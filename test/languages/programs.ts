/**
 * Per language: a program that copies all of stdin to stdout, one that fails at run time, one that
 * loops forever (time limit), one that keeps allocating and touching memory (memory limit), and
 * (for compiled languages) one that does not compile. The greeting samples in
 * src/languages/samples.ts cover hello world.
 */
export interface LanguagePrograms {
  echo: string;
  /** Absent only where the language cannot fail, loop or allocate (NOT_PROGRAMMABLE says why). */
  runtimeError?: string;
  timeLimit?: string;
  memoryLimit?: string;
  compileError?: string;
}

/** Entries that run no program of their own, so have no failure, loop or allocation to test. */
export const NOT_PROGRAMMABLE: Readonly<Record<string, string>> = {
  plaintext: 'Plain Text prints its source: it cannot fail, loop or allocate',
};

const C: LanguagePrograms = {
  echo: '#include <stdio.h>\nint main(void){int c; while((c=getchar())!=EOF) putchar(c); return 0;}\n',
  runtimeError: '#include <stdlib.h>\nint main(void){ abort(); }\n',
  compileError: 'int main(void) { return undefined_thing; }\n',
  timeLimit: 'int main(void){ volatile unsigned long i = 0; for(;;) i++; }\n',
  // Volatile stores: Clang drops a malloc whose memory is never read, and the loop with it.
  memoryLimit:
    '#include <stdlib.h>\nint main(void){ for(;;){ volatile char *p = malloc(1 << 20); if (!p) return 1; for (int i = 0; i < 1 << 20; i += 4096) p[i] = 1; } }\n',
};

const CPP: LanguagePrograms = {
  echo: '#include <iostream>\nint main(){ std::cout << std::cin.rdbuf(); }\n',
  runtimeError: '#include <stdexcept>\nint main(){ throw std::runtime_error("boom"); }\n',
  compileError: 'int main() { std::vector<int> v; }\n',
  timeLimit: 'int main(){ volatile unsigned long i = 0; for(;;) i++; }\n',
  memoryLimit:
    '#include <vector>\nint main(){ std::vector<std::vector<char>> v; for(;;) v.emplace_back(1 << 20, 1); }\n',
};

const PYTHON: LanguagePrograms = {
  echo: 'import sys\nsys.stdout.write(sys.stdin.read())\n',
  runtimeError: 'raise ValueError("boom")\n',
  timeLimit: 'while True:\n    pass\n',
  memoryLimit: 'chunks = []\nwhile True:\n    chunks.append(b"x" * (1 << 20))\n',
};

const LUA: LanguagePrograms = {
  echo: 'io.write(io.read("a"))\n',
  runtimeError: 'error("boom")\n',
  timeLimit: 'while true do end\n',
  memoryLimit: 'local t = {}\nwhile true do t[#t + 1] = string.rep("x", 1 << 20) .. #t end\n',
};

const JVM_ALLOCATION = 'new long[1 << 17]';

const D: LanguagePrograms = {
  echo: 'import std.stdio;\nvoid main() { foreach (line; stdin.byLine(KeepTerminator.yes)) write(line); }\n',
  runtimeError: 'void main() { throw new Exception("boom"); }\n',
  compileError: 'void main() { int x = "s"; }\n',
  timeLimit: 'void main() { for (;;) {} }\n',
  memoryLimit:
    'void main() { ubyte[][] all; for (;;) { auto b = new ubyte[1 << 20]; b[] = 1; all ~= b; } }\n',
};

const NASM_EXIT = '  mov eax, 60\n  xor edi, edi\n  syscall\n';

export const PROGRAMS: Record<string, LanguagePrograms> = {
  c: C,
  'c-gcc11': C,
  'c-clang': C,
  'c-clang15': C,
  'c-clang14': C,
  cpp: CPP,
  'cpp-gcc11': CPP,
  'cpp-clang': CPP,
  'cpp-clang15': CPP,
  'cpp-clang14': CPP,
  python3: PYTHON,
  pypy3: PYTHON,
  javascript: {
    echo: 'process.stdout.write(require("fs").readFileSync(0));\n',
    runtimeError: 'throw new Error("boom");\n',
    timeLimit: 'for (;;) {}\n',
    // Objects on V8's own heap, as a student's program grows them (not Buffers, which live outside it).
    memoryLimit: 'const all = [];\nfor (;;) all.push(new Array(1 << 17).fill(1.5));\n',
  },
  typescript: {
    echo: 'const data: Buffer = require("fs").readFileSync(0);\nprocess.stdout.write(data);\n',
    runtimeError: 'const n: number = 1;\nthrow new Error("boom " + n);\n',
    compileError: 'const n: number = "not a number";\n',
    timeLimit: 'for (;;) {}\n',
    memoryLimit: 'const all: number[][] = [];\nfor (;;) all.push(new Array(1 << 17).fill(1.5));\n',
  },
  java: {
    echo: 'import java.io.*;\npublic class Main { public static void main(String[] a) throws IOException { System.in.transferTo(System.out); System.out.flush(); } }\n',
    runtimeError:
      'public class Main { public static void main(String[] a) { int[] x = new int[1]; System.out.println(x[5]); } }\n',
    compileError: 'public class Main { public static void main(String[] a) { int x = "s"; } }\n',
    timeLimit: 'public class Main { public static void main(String[] a) { for (;;) {} } }\n',
    memoryLimit: `import java.util.*;\npublic class Main { public static void main(String[] a) { List<long[]> all = new ArrayList<>(); for (;;) all.add(${JVM_ALLOCATION}); } }\n`,
  },
  go: {
    echo: 'package main\nimport ("io"; "os")\nfunc main(){ io.Copy(os.Stdout, os.Stdin) }\n',
    runtimeError: 'package main\nfunc main(){ var a []int; _ = a[3] }\n',
    compileError: 'package main\nfunc main(){ x := 1 }\n',
    timeLimit: 'package main\nfunc main(){ for {} }\n',
    memoryLimit:
      'package main\nfunc main(){ var all [][]byte; for { b := make([]byte, 1<<20); for i := range b { b[i] = 1 }; all = append(all, b) } }\n',
  },
  rust: {
    echo: 'use std::io::*;\nfn main(){ let mut s = Vec::new(); stdin().read_to_end(&mut s).unwrap(); stdout().write_all(&s).unwrap(); }\n',
    runtimeError: 'fn main(){ let v: Vec<i32> = Vec::new(); println!("{}", v[3]); }\n',
    compileError: 'fn main(){ let x: i32 = "s"; }\n',
    timeLimit: 'fn main(){ loop {} }\n',
    memoryLimit:
      'fn main(){ let mut all: Vec<Vec<u8>> = Vec::new(); loop { all.push(vec![1u8; 1 << 20]); } }\n',
  },
  ruby: {
    echo: '$stdout.write($stdin.read)\n',
    runtimeError: 'raise "boom"\n',
    timeLimit: 'loop {}\n',
    memoryLimit: 'all = []\nloop { all << ("x" * (1 << 20)) }\n',
  },
  php: {
    echo: '<?php echo stream_get_contents(STDIN);\n',
    runtimeError: '<?php throw new Exception("boom");\n',
    timeLimit: '<?php while (true) {}\n',
    memoryLimit: '<?php $all = []; while (true) { $all[] = str_repeat("x", 1 << 20); }\n',
  },
  lua: LUA,
  'lua5.3': LUA,
  bash: {
    echo: 'cat\n',
    runtimeError: 'echo failing >&2\nexit 3\n',
    timeLimit: 'while :; do :; done\n',
    memoryLimit: 'x=a\nwhile :; do x="$x$x"; done\n',
  },
  perl: {
    echo: 'print while <STDIN>;\n',
    runtimeError: 'die "boom\\n";\n',
    timeLimit: '1 while 1;\n',
    memoryLimit: 'my @all;\npush @all, "x" x (1 << 20) while 1;\n',
  },
  csharp: {
    echo: 'using System;\nclass P { static void Main(){ Console.Out.Write(Console.In.ReadToEnd()); } }\n',
    runtimeError: 'using System;\nclass P { static void Main(){ throw new Exception("boom"); } }\n',
    compileError: 'class P { static void Main(){ int x = "s"; } }\n',
    timeLimit: 'class P { static void Main(){ for (;;) {} } }\n',
    memoryLimit:
      'using System.Collections.Generic;\nclass P { static void Main(){ var all = new List<byte[]>(); for (;;) { var b = new byte[1 << 20]; for (int i = 0; i < b.Length; i += 4096) b[i] = 1; all.Add(b); } } }\n',
  },
  kotlin: {
    echo: 'fun main() { print(generateSequence(::readLine).joinToString("\\n", postfix = "\\n")) }\n',
    runtimeError: 'fun main() { throw IllegalStateException("boom") }\n',
    compileError: 'fun main() { val x: Int = "s" }\n',
    timeLimit: 'fun main() { while (true) {} }\n',
    memoryLimit:
      'fun main() { val all = ArrayList<LongArray>(); while (true) all.add(LongArray(1 shl 17)) }\n',
  },
  haskell: {
    echo: 'main :: IO ()\nmain = interact id\n',
    runtimeError: 'main :: IO ()\nmain = error "boom"\n',
    compileError: 'main :: IO ()\nmain = putStrLn 42\n',
    timeLimit: 'main :: IO ()\nmain = print (length [(1 :: Int) ..])\n',
    memoryLimit:
      'main :: IO ()\nmain = let xs = [1 ..] :: [Integer] in print (sum xs + fromIntegral (length xs))\n',
  },
  pascal: {
    echo: 'program Echo;\nvar s: string;\nbegin\n  while not eof do begin readln(s); writeln(s); end;\nend.\n',
    runtimeError: 'program Boom;\nbegin\n  halt(3);\nend.\n',
    compileError: 'program Broken;\nbegin\n  x := 1;\nend.\n',
    timeLimit: 'program Spin;\nbegin\n  while true do;\nend.\n',
    memoryLimit:
      'program Hungry;\nvar p: pointer;\nbegin\n  while true do\n  begin\n    GetMem(p, 1 shl 20);\n    FillChar(p^, 1 shl 20, 1);\n  end;\nend.\n',
  },
  fortran: {
    echo: "program echo\n  character(len=1000) :: line\n  integer :: ios\n  do\n    read(*, '(A)', iostat=ios) line\n    if (ios /= 0) exit\n    write(*, '(A)') trim(line)\n  end do\nend program echo\n",
    runtimeError: 'program boom\n  error stop 3\nend program boom\n',
    compileError: 'program broken\n  x = = 1\nend program broken\n',
    timeLimit:
      'program spin\n  integer(8), volatile :: i\n  i = 0\n  do\n    i = i + 1\n  end do\nend program spin\n',
    memoryLimit:
      'program hungry\n  integer(8), allocatable :: a(:)\n  integer(8) :: n\n  n = 1024\n  do\n    n = n * 2\n    allocate(a(n))\n    a = 1\n    deallocate(a)\n  end do\nend program hungry\n',
  },
  sqlite: {
    echo: "SELECT 'line one';\nSELECT 'line two';\n",
    runtimeError: 'SELECT * FROM no_such_table;\n',
    timeLimit: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;\n',
    memoryLimit:
      'CREATE TABLE t(x);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) INSERT INTO t SELECT randomblob(1000000) FROM c;\n',
  },
  ocaml: {
    echo: 'let () = try while true do print_endline (read_line ()) done with End_of_file -> ()\n',
    runtimeError: 'let () = failwith "boom"\n',
    compileError: 'let () = print_endline 42\n',
    timeLimit: 'let () = while true do () done\n',
    memoryLimit: "let () = let all = ref [] in while true do all := Bytes.make (1 lsl 20) 'x' :: !all done\n",
  },
  commonlisp: {
    echo: '(loop for line = (read-line *standard-input* nil) while line do (write-line line))\n',
    runtimeError: '(error "boom")\n',
    timeLimit: '(loop)\n',
    memoryLimit:
      "(let ((all nil)) (loop (push (make-array (expt 2 20) :element-type '(unsigned-byte 8) :initial-element 1) all)))\n",
  },
  plaintext: { echo: 'line one\nline two\n' },
  executable: {
    echo: '#!/bin/sh\nexec cat\n',
    runtimeError: '#!/bin/sh\necho failing >&2\nexit 3\n',
    timeLimit: '#!/bin/sh\nwhile :; do :; done\n',
    memoryLimit: '#!/usr/bin/perl\nmy @all;\npush @all, "x" x (1 << 20) while 1;\n',
  },
  nasm: {
    echo:
      'section .bss\nbuf: resb 4096\n\nsection .text\nglobal _start\n_start:\n.next:\n  xor eax, eax\n  xor edi, edi\n  lea rsi, [rel buf]\n  mov edx, 4096\n  syscall\n' +
      '  test rax, rax\n  jle .done\n  mov rdx, rax\n  mov eax, 1\n  mov edi, 1\n  lea rsi, [rel buf]\n  syscall\n  jmp .next\n.done:\n' +
      NASM_EXIT,
    runtimeError: 'section .text\nglobal _start\n_start:\n  mov qword [0], 1\n' + NASM_EXIT,
    compileError: 'section .text\nglobal _start\n_start:\n  mov eax, no_such_label\n' + NASM_EXIT,
    timeLimit: 'section .text\nglobal _start\n_start:\n  jmp _start\n',
    memoryLimit:
      'section .text\nglobal _start\n_start:\n  mov eax, 9               ; mmap(0, 1 MiB, read|write, private|anonymous, -1, 0)\n' +
      '  xor edi, edi\n  mov esi, 1048576\n  mov edx, 3\n  mov r10d, 0x22\n  mov r8, -1\n  xor r9d, r9d\n  syscall\n  xor ecx, ecx\n' +
      '.touch:\n  mov byte [rax + rcx], 1\n  add rcx, 4096\n  cmp rcx, 1048576\n  jb .touch\n  jmp _start\n',
  },
  'objective-c': { ...C, compileError: '#import <objc/Object.h>\nint main(void) { [Nothing here]; }\n' },
  d: D,
  'd-gdc': D,
  ada: {
    echo: 'with Ada.Text_IO; use Ada.Text_IO;\nprocedure Main is\nbegin\n   while not End_Of_File loop\n      Put_Line (Get_Line);\n   end loop;\nend Main;\n',
    runtimeError: 'procedure Main is\nbegin\n   raise Program_Error;\nend Main;\n',
    compileError: 'procedure Main is\n   X : Integer := "s";\nbegin\n   null;\nend Main;\n',
    timeLimit: 'procedure Main is\nbegin\n   loop\n      null;\n   end loop;\nend Main;\n',
    memoryLimit:
      "procedure Main is\n   type Block is array (1 .. 1_048_576) of Character;\n   type Block_Access is access Block;\n   B : Block_Access;\nbegin\n   loop\n      B := new Block'(others => 'x');\n   end loop;\nend Main;\n",
  },
  cobol: {
    echo:
      "IDENTIFICATION DIVISION.\nPROGRAM-ID. ECHO.\nDATA DIVISION.\nWORKING-STORAGE SECTION.\n01 WS-LINE PIC X(1000).\n01 WS-EOF PIC X VALUE 'N'.\n" +
      "PROCEDURE DIVISION.\n    PERFORM UNTIL WS-EOF = 'Y'\n        ACCEPT WS-LINE\n            ON EXCEPTION MOVE 'Y' TO WS-EOF\n" +
      '            NOT ON EXCEPTION DISPLAY FUNCTION TRIM(WS-LINE TRAILING)\n        END-ACCEPT\n    END-PERFORM.\n    STOP RUN.\n',
    runtimeError:
      'IDENTIFICATION DIVISION.\nPROGRAM-ID. BOOM.\nPROCEDURE DIVISION.\n    DISPLAY "boom" UPON SYSERR.\n    STOP RUN RETURNING 3.\n',
    compileError:
      'IDENTIFICATION DIVISION.\nPROGRAM-ID. BROKEN.\nPROCEDURE DIVISION.\n    DISPLAY NO-SUCH-ITEM.\n    STOP RUN.\n',
    timeLimit:
      'IDENTIFICATION DIVISION.\nPROGRAM-ID. SPIN.\nDATA DIVISION.\nWORKING-STORAGE SECTION.\n01 WS-I PIC S9(9) COMP VALUE 0.\n' +
      'PROCEDURE DIVISION.\n    PERFORM UNTIL WS-I < 0\n        ADD 1 TO WS-I\n        IF WS-I > 100000 MOVE 0 TO WS-I END-IF\n    END-PERFORM.\n    STOP RUN.\n',
    memoryLimit:
      'IDENTIFICATION DIVISION.\nPROGRAM-ID. HUNGRY.\nDATA DIVISION.\nWORKING-STORAGE SECTION.\n01 WS-PTR USAGE POINTER.\n' +
      'PROCEDURE DIVISION.\n    PERFORM FOREVER\n        ALLOCATE 1048576 CHARACTERS INITIALIZED RETURNING WS-PTR\n    END-PERFORM.\n    STOP RUN.\n',
  },
  nim: {
    echo: 'for line in stdin.lines: echo line\n',
    runtimeError: 'raise newException(ValueError, "boom")\n',
    compileError: 'let x: int = "s"\n',
    timeLimit: 'var i = 0\nwhile true: inc i\n',
    memoryLimit:
      'var all: seq[seq[byte]]\nwhile true:\n  var b = newSeq[byte](1 shl 20)\n  for i in 0 ..< b.len: b[i] = 1\n  all.add b\n',
  },
  crystal: {
    echo: 'STDIN.each_line(chomp: false) { |line| print line }\n',
    runtimeError: 'raise "boom"\n',
    compileError: 'x : Int32 = "s"\n',
    timeLimit: 'i = 0_u64\nloop { i &+= 1 }\n',
    memoryLimit: 'all = [] of Bytes\nloop { all << Bytes.new(1 << 20, 1_u8) }\n',
  },
  elixir: {
    echo: 'IO.read(:stdio, :eof) |> IO.write()\n',
    runtimeError: 'raise "boom"\n',
    timeLimit: 'defmodule Spin do\n  def loop, do: loop()\nend\n\nSpin.loop()\n',
    memoryLimit:
      'defmodule Hungry do\n  def grow(all), do: grow([:binary.copy("x", 1_048_576) | all])\nend\n\nHungry.grow([])\n',
  },
  erlang: {
    echo: 'main(_) -> copy().\n\ncopy() ->\n    case io:get_line("") of\n        eof -> ok;\n        Line -> io:put_chars(Line), copy()\n    end.\n',
    runtimeError: 'main(_) -> erlang:error(boom).\n',
    timeLimit: 'main(_) -> loop().\n\nloop() -> loop().\n',
    memoryLimit: 'main(_) -> grow([]).\n\ngrow(All) -> grow([binary:copy(<<"x">>, 1048576) | All]).\n',
  },
  octave: {
    echo: 'while true\n  line = fgetl(stdin);\n  if ~ischar(line), break; end\n  printf("%s\\n", line);\nend\n',
    runtimeError: 'error("boom");\n',
    timeLimit: 'while true\nend\n',
    memoryLimit: 'all = {};\ni = 0;\nwhile true\n  i = i + 1;\n  all{i} = ones(1, 131072);\nend\n',
  },
  r: {
    echo: 'writeLines(readLines(file("stdin")))\n',
    runtimeError: 'stop("boom")\n',
    timeLimit: 'repeat {}\n',
    memoryLimit: 'all <- list()\ni <- 0\nrepeat {\n  i <- i + 1\n  all[[i]] <- runif(131072)\n}\n',
  },
  prolog: {
    echo:
      ':- initialization(main, main).\n\nmain :-\n    read_line_to_string(user_input, Line),\n    (   Line == end_of_file\n    ->  true\n' +
      '    ;   writeln(Line), main\n    ).\n',
    runtimeError: ':- initialization(main, main).\n\nmain :- X is 1 / 0, writeln(X).\n',
    timeLimit: ':- initialization(main, main).\n\nmain :- repeat, fail.\n',
    memoryLimit:
      ':- initialization(main, main).\n\nmain :- grow([]).\n\ngrow(All) :- length(L, 100000), grow([L|All]).\n',
  },
  gprolog: {
    echo: ':- initialization(main).\n\nmain :- get_code(C), ( C =:= -1 -> true ; put_code(C), main ).\n',
    // An uncaught error in a directive is only a warning to GNU Prolog (exit status 0, as under
    // Judge0): a failing program reports it with a non-zero status itself.
    runtimeError:
      ':- initialization(main).\n\nmain :- catch(atom_length(_, _), E, (write(user_error, E), nl(user_error), halt(1))).\n',
    compileError: ':- initialization(main).\n\nmain :- write(.\n',
    timeLimit: ':- initialization(main).\n\nmain :- repeat, fail.\n',
    memoryLimit:
      ':- initialization(main).\n\nmain :- grow([]).\n\ngrow(All) :- length(L, 100000), grow([L|All]).\n',
  },
  racket: {
    echo: '#lang racket/base\n(let loop ()\n  (define line (read-line))\n  (unless (eof-object? line)\n    (displayln line)\n    (loop)))\n',
    runtimeError: '#lang racket/base\n(error "boom")\n',
    timeLimit: '#lang racket/base\n(let loop () (loop))\n',
    memoryLimit: "#lang racket/base\n(let loop ([all '()]) (loop (cons (make-bytes 1048576 1) all)))\n",
  },
  scheme: {
    echo: '(use-modules (ice-9 rdelim))\n(let loop ((line (read-line)))\n  (unless (eof-object? line)\n    (display line)\n    (newline)\n    (loop (read-line))))\n',
    runtimeError: '(error "boom")\n',
    timeLimit: '(let loop () (loop))\n',
    memoryLimit:
      "(use-modules (rnrs bytevectors))\n(let loop ((all '())) (loop (cons (make-bytevector 1048576 1) all)))\n",
  },
  tcl: {
    echo: 'while {[gets stdin line] >= 0} { puts $line }\n',
    runtimeError: 'error "boom"\n',
    timeLimit: 'while 1 {}\n',
    memoryLimit: 'set all {}\nwhile 1 { lappend all [string repeat x 1048576] }\n',
  },
  awk: {
    echo: '{ print }\n',
    runtimeError: 'BEGIN { zero = 0; print 1 / zero }\n',
    timeLimit: 'BEGIN { while (1) {} }\n',
    memoryLimit: 'BEGIN { s = "x"; while (1) s = s s }\n',
  },
  scala: {
    echo: 'object Main { def main(a: Array[String]): Unit = scala.io.Source.stdin.getLines().foreach(println) }\n',
    runtimeError:
      'object Main { def main(a: Array[String]): Unit = throw new IllegalStateException("boom") }\n',
    compileError: 'object Main { def main(a: Array[String]): Unit = { val x: Int = "s" } }\n',
    timeLimit: 'object Main { def main(a: Array[String]): Unit = while (true) {} }\n',
    memoryLimit:
      'object Main { def main(a: Array[String]): Unit = { val all = new java.util.ArrayList[Array[Long]](); while (true) all.add(new Array[Long](1 << 17)) } }\n',
  },
  clojure: {
    echo: '(doseq [line (line-seq (java.io.BufferedReader. *in*))] (println line))\n',
    runtimeError: '(throw (Exception. "boom"))\n',
    timeLimit: '(loop [] (recur))\n',
    memoryLimit: '(loop [all []] (recur (conj all (long-array 131072 1))))\n',
  },
  groovy: {
    echo: 'System.in.eachLine { println it }\n',
    runtimeError: 'throw new RuntimeException("boom")\n',
    timeLimit: 'while (true) {}\n',
    memoryLimit: `def all = []\nwhile (true) { all << ${JVM_ALLOCATION} }\n`,
  },
};
