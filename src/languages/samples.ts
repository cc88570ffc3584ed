/**
 * A small program per language that reads one line and greets it: `doctor --run` uses these to prove
 * each toolchain works inside the sandbox, and they make sensible starter code.
 * Given "world" on stdin, each prints "hello world".
 */
export const GREETING_SAMPLES: Readonly<Record<string, string>> = {
  c: '#include <stdio.h>\n\nint main(void) {\n  char name[100];\n  if (scanf("%99s", name) == 1) printf("hello %s\\n", name);\n  return 0;\n}\n',
  cpp: '#include <iostream>\n#include <string>\n\nint main() {\n  std::string name;\n  std::cin >> name;\n  std::cout << "hello " << name << "\\n";\n}\n',
  python3: 'name = input().strip()\nprint("hello", name)\n',
  javascript: 'const name = require("fs").readFileSync(0, "utf8").trim();\nconsole.log("hello " + name);\n',
  typescript:
    'const name: string = require("fs").readFileSync(0, "utf8").trim();\nconsole.log("hello " + name);\n',
  java: 'import java.util.Scanner;\n\npublic class Main {\n  public static void main(String[] args) {\n    Scanner in = new Scanner(System.in);\n    System.out.println("hello " + in.next());\n  }\n}\n',
  go: 'package main\n\nimport "fmt"\n\nfunc main() {\n\tvar name string\n\tfmt.Scan(&name)\n\tfmt.Println("hello " + name)\n}\n',
  rust: 'use std::io::stdin;\n\nfn main() {\n    let mut name = String::new();\n    stdin().read_line(&mut name).unwrap();\n    println!("hello {}", name.trim());\n}\n',
  ruby: 'name = gets.strip\nputs "hello #{name}"\n',
  php: '<?php\n$name = trim(fgets(STDIN));\necho "hello $name\\n";\n',
  lua: 'local name = io.read("l")\nprint("hello " .. name)\n',
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
};
