/**
 * A small program per language that reads one line and greets it: `doctor --run` uses these to prove
 * each toolchain works inside the sandbox, and they make sensible starter code.
 * Given "world" on stdin, each prints "hello world".
 */
const C_GREETING =
  '#include <stdio.h>\n\nint main(void) {\n  char name[100];\n  if (scanf("%99s", name) == 1) printf("hello %s\\n", name);\n  return 0;\n}\n';
const CPP_GREETING =
  '#include <iostream>\n#include <string>\n\nint main() {\n  std::string name;\n  std::cin >> name;\n  std::cout << "hello " << name << "\\n";\n}\n';
const PYTHON_GREETING = 'name = input().strip()\nprint("hello", name)\n';
const LUA_GREETING = 'local name = io.read("l")\nprint("hello " .. name)\n';
const D_GREETING =
  'import std.stdio, std.string;\n\nvoid main() {\n  auto name = readln().strip();\n  writeln("hello ", name);\n}\n';

export const GREETING_SAMPLES: Readonly<Record<string, string>> = {
  c: C_GREETING,
  'c-gcc11': C_GREETING,
  'c-clang': C_GREETING,
  'c-clang15': C_GREETING,
  'c-clang14': C_GREETING,
  cpp: CPP_GREETING,
  'cpp-gcc11': CPP_GREETING,
  'cpp-clang': CPP_GREETING,
  'cpp-clang15': CPP_GREETING,
  'cpp-clang14': CPP_GREETING,
  python3: PYTHON_GREETING,
  pypy3: PYTHON_GREETING,
  javascript: 'const name = require("fs").readFileSync(0, "utf8").trim();\nconsole.log("hello " + name);\n',
  typescript:
    'const name: string = require("fs").readFileSync(0, "utf8").trim();\nconsole.log("hello " + name);\n',
  java: 'import java.util.Scanner;\n\npublic class Main {\n  public static void main(String[] args) {\n    Scanner in = new Scanner(System.in);\n    System.out.println("hello " + in.next());\n  }\n}\n',
  go: 'package main\n\nimport "fmt"\n\nfunc main() {\n\tvar name string\n\tfmt.Scan(&name)\n\tfmt.Println("hello " + name)\n}\n',
  rust: 'use std::io::stdin;\n\nfn main() {\n    let mut name = String::new();\n    stdin().read_line(&mut name).unwrap();\n    println!("hello {}", name.trim());\n}\n',
  ruby: 'name = gets.strip\nputs "hello #{name}"\n',
  php: '<?php\n$name = trim(fgets(STDIN));\necho "hello $name\\n";\n',
  lua: LUA_GREETING,
  'lua5.3': LUA_GREETING,
  bash: 'read -r name\necho "hello $name"\n',
  perl: 'my $name = <STDIN>;\nchomp $name;\nprint "hello $name\\n";\n',
  csharp:
    'using System;\n\nclass Program {\n  static void Main() {\n    Console.WriteLine("hello " + Console.ReadLine().Trim());\n  }\n}\n',
  kotlin: 'fun main() {\n    val name = readLine()!!.trim()\n    println("hello " + name)\n}\n',
  haskell: 'main :: IO ()\nmain = do\n  name <- getLine\n  putStrLn ("hello " ++ name)\n',
  pascal: "program Hello;\nvar name: string;\nbegin\n  readln(name);\n  writeln('hello ', name);\nend.\n",
  fortran:
    "program hello\n  character(len=100) :: name\n  read(*,*) name\n  print '(A)', 'hello ' // trim(name)\nend program hello\n",
  sqlite: "SELECT 'hello world';\n",
  ocaml: 'let () =\n  let name = read_line () in\n  print_endline ("hello " ^ name)\n',
  commonlisp: '(format t "hello ~a~%" (read-line))\n',
  plaintext: 'hello world\n',
  // A #! script: an uploaded ELF binary runs the same way.
  executable: '#!/bin/sh\nread -r name\necho "hello $name"\n',
  nasm:
    'section .bss\nname: resb 256\n\nsection .data\ngreeting: db "hello "\n\nsection .text\nglobal _start\n_start:\n' +
    '  xor eax, eax            ; read(0, name, 256)\n  xor edi, edi\n  lea rsi, [rel name]\n  mov edx, 256\n  syscall\n' +
    '  mov r12, rax\n  mov eax, 1              ; write(1, greeting, 6)\n  mov edi, 1\n  lea rsi, [rel greeting]\n  mov edx, 6\n  syscall\n' +
    '  mov eax, 1              ; write(1, name, length read)\n  mov edi, 1\n  lea rsi, [rel name]\n  mov rdx, r12\n  syscall\n' +
    '  mov eax, 60             ; exit(0)\n  xor edi, edi\n  syscall\n',
  'objective-c':
    '#import <objc/Object.h>\n#include <stdio.h>\n\n@interface Greeter : Object\n+ (void) greet: (const char *) name;\n@end\n\n' +
    '@implementation Greeter\n+ (void) greet: (const char *) name {\n  printf("hello %s\\n", name);\n}\n@end\n\n' +
    'int main(void) {\n  char name[100];\n  if (scanf("%99s", name) == 1) [Greeter greet: name];\n  return 0;\n}\n',
  d: D_GREETING,
  'd-gdc': D_GREETING,
  ada: 'with Ada.Text_IO; use Ada.Text_IO;\n\nprocedure Main is\n   Name : constant String := Get_Line;\nbegin\n   Put_Line ("hello " & Name);\nend Main;\n',
  cobol:
    'IDENTIFICATION DIVISION.\nPROGRAM-ID. HELLO.\nDATA DIVISION.\nWORKING-STORAGE SECTION.\n01 WS-NAME PIC X(100).\n' +
    'PROCEDURE DIVISION.\n    ACCEPT WS-NAME.\n    DISPLAY "hello " FUNCTION TRIM(WS-NAME).\n    STOP RUN.\n',
  nim: 'let name = stdin.readLine()\necho "hello ", name\n',
  crystal: 'name = gets.not_nil!.strip\nputs "hello #{name}"\n',
  elixir: 'name = IO.gets("") |> String.trim()\nIO.puts("hello " <> name)\n',
  erlang: 'main(_) ->\n    Name = string:trim(io:get_line("")),\n    io:format("hello ~s~n", [Name]).\n',
  octave: 'name = strtrim(fgetl(stdin));\nprintf("hello %s\\n", name);\n',
  r: 'name <- trimws(readLines(file("stdin"), n = 1))\ncat("hello ", name, "\\n", sep = "")\n',
  prolog:
    ':- initialization(main, main).\n\nmain :-\n    read_line_to_string(user_input, Name),\n    format("hello ~w~n", [Name]).\n',
  gprolog:
    ':- initialization(main).\n\nread_line(Codes) :-\n    get_code(C),\n    (   (C =:= -1 ; C =:= 10)\n    ->  Codes = []\n' +
    '    ;   Codes = [C|Rest], read_line(Rest)\n    ).\n\nmain :-\n    read_line(Codes),\n    atom_codes(Name, Codes),\n' +
    "    write('hello '), write(Name), nl.\n",
  racket: '#lang racket/base\n\n(define name (read-line))\n(printf "hello ~a\\n" name)\n',
  scheme: '(use-modules (ice-9 rdelim))\n\n(display (string-append "hello " (read-line)))\n(newline)\n',
  tcl: 'gets stdin name\nputs "hello $name"\n',
  awk: 'NR == 1 { print "hello " $1 }\n',
  scala:
    'object Main {\n  def main(args: Array[String]): Unit = {\n    val name = scala.io.StdIn.readLine().trim\n    println("hello " + name)\n  }\n}\n',
  clojure: '(println (str "hello " (clojure.string/trim (read-line))))\n',
  groovy: 'def name = System.in.newReader().readLine().trim()\nprintln "hello " + name\n',
};
