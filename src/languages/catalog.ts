import type { LanguageDefinition } from './language.js';
import type { PrecompiledHeaders } from './precompiled-headers.js';

/** Where scripts/setup installs TypeScript for programs (outside the project: programs never see server files). */
export const TYPESCRIPT_HOME = '/usr/local/lib/arbiter-toolchains/typescript';

const v = (command: string[], pattern: RegExp) => ({ command, pattern });

/** Numeric libraries (OpenBLAS, OpenMP) start a thread per core unless told otherwise. */
const ONE_MATH_THREAD = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

/** Where scripts/setup keeps what it builds for judged programs beside Debian's packages (JVM CDS archives). */
export const TOOLCHAINS_HOME = '/usr/local/lib/arbiter-toolchains';
/** The class-data sharing archive scripts/setup dumps for a JVM language (see jvmRun). */
export const cdsArchive = (id: string) => `${TOOLCHAINS_HOME}/cds/${id}.jsa`;

/** JVM settings for judged programs: one GC thread, heap sized from the cgroup limit, deep stacks. */
const JVM_RUN_FLAGS = ['-XX:+UseSerialGC', '-XX:MaxRAMPercentage=75', '-Xss64m', '-XX:TieredStopAtLevel=1'];
const JVM_MINIMUM = { memoryKb: 128 * 1024, pids: 32 };
/** The library jars JVM languages run on (Debian's paths). */
const SCALA_LIB = '/usr/share/scala-2.11/lib/scala-library.jar';
const CLOJURE_JAR = '/usr/share/java/clojure.jar';
const GROOVY_JAR = '/usr/share/java/groovy-all.jar';

/** The Erlang VM (Erlang, Elixir): no crash dump file in the work directory; UTF-8 file names. */
const ERLANG_ENV = { ERL_CRASH_DUMP_SECONDS: '0', ERL_AFLAGS: '+fnu' };
/**
 * OTP 25's JIT maps its code through a memory file it sizes with ftruncate (16 MiB at start), which
 * RLIMIT_FSIZE caps: below that the VM dies of SIGXFSZ before running a line. Memory it uses is
 * still charged to the cgroup.
 */
const ERLANG_MINIMUM = { memoryKb: 96 * 1024, fileSizeKb: 64 * 1024 };

/** Slow JVM compilers (kotlinc, scalac): more CPU and wall time than a C compiler needs. */
const JVM_COMPILE_LIMITS = { cpuMs: 30_000, wallMs: 60_000 };

/**
 * A JVM run on a fixed class path. `-Xshare:auto` maps the archive scripts/setup dumped for this
 * language when it exists and matches, and silently falls back to the JDK's own archive otherwise.
 */
function jvmRun(id: string, classPath: string, main: string[]): string[] {
  return [
    'java',
    ...JVM_RUN_FLAGS,
    '-Xshare:auto',
    `-XX:SharedArchiveFile=${cdsArchive(id)}`,
    '-cp',
    classPath,
    ...main,
  ];
}
/** The version a Debian package reports, for toolchains whose own --version starts a VM. */
const dpkgVersion = (pkg: string) =>
  v(['/usr/bin/dpkg-query', '-W', '-f=${Version}', pkg], /^(?:\d+:)?(\d+(?:\.\d+)*)/);

/** The C, C++ and Objective-C command lines shared by each compiler version. */
const cCompile = (cc: string) => [cc, '-std=gnu17', '-O2', '-pipe', '-o', 'main', 'main.c', '-lm'];
/**
 * A student's C program compiles in well under the half second that makes a job costly, though in
 * a few times what an interpreter takes to start, so the queue counts C as moderate (queue/run-cost)
 * from its first submission on: after the quick runs, before the slow compiles. C++'s headers make
 * its compiles ten times slower: it stays costly until its history shows otherwise.
 */
const QUICK_COMPILE = { queueCost: 'moderate' } as const;
const CPP_FLAGS = ['-std=gnu++17', '-O2', '-pipe'];
const cppCompile = (cxx: string) => [cxx, ...CPP_FLAGS, '-o', 'main', 'main.cpp'];

/** Where scripts/setup keeps a language entry's precompiled headers (see precompiled-headers.ts). */
export const pchDir = (id: string) => `${TOOLCHAINS_HOME}/pch/${id}`;
/**
 * GCC's C++ compiles read bits/stdc++.h, the header most contest solutions start with, from a .gch
 * made at setup: about 2.5 s of compile time becomes under 1 s. C has no such umbrella header, and
 * Clang does not use a .gch behind an #include (precompiled-headers.ts says why).
 */
const gccPrecompiledHeaders = (id: string, cxx: string): PrecompiledHeaders => ({
  dir: pchDir(id),
  headers: ['bits/stdc++.h'],
  build: [cxx, ...CPP_FLAGS, '-x', 'c++-header'],
});

/** What the C and C++ entries of any compiler share. */
const C_LANGUAGES = {
  c: { label: 'C', sourceFile: 'main.c', compile: cCompile, pistonName: 'c' },
  cpp: { label: 'C++', sourceFile: 'main.cpp', compile: cppCompile, pistonName: 'c++' },
} as const;

/** How GCC and Clang report their versions, given the compiler's path. */
const C_COMPILER_VERSION = {
  GCC: (binary: string) => v([binary, '-dumpfullversion'], /^(\S+)/),
  Clang: (binary: string) => v([binary, '--version'], /clang version (\S+)/),
} as const;

/** One C or C++ entry: the language, the compiler that builds it, and what names it. */
interface CFamilyEntry extends Pick<
  LanguageDefinition,
  'id' | 'name' | 'aliases' | 'extensions' | 'packages'
> {
  language: keyof typeof C_LANGUAGES;
  vendor: keyof typeof C_COMPILER_VERSION;
  /** The compiler's command, in /usr/bin: gcc, g++-11, clang-16, clang++-14. */
  compiler: string;
  versionOf?: string;
  judge0Ids: number[];
}

/**
 * A C or C++ entry for one GCC or Clang: the same command line, run, version probe and Judge0 and
 * Piston names for every version of the compiler. GCC's C++ reads precompiled bits/stdc++.h.
 */
function cFamilyEntry(entry: CFamilyEntry): LanguageDefinition {
  const { label, sourceFile, compile, pistonName } = C_LANGUAGES[entry.language];
  const binary = `/usr/bin/${entry.compiler}`;
  const gccCpp = entry.vendor === 'GCC' && entry.language === 'cpp';
  return {
    id: entry.id,
    name: entry.name,
    aliases: entry.aliases,
    extensions: entry.extensions,
    sourceFile,
    compile: compile(entry.compiler),
    ...(entry.language === 'c' ? QUICK_COMPILE : {}),
    ...(gccCpp ? { precompiledHeaders: gccPrecompiledHeaders(entry.id, entry.compiler) } : {}),
    run: ['./main'],
    binary,
    version: C_COMPILER_VERSION[entry.vendor](binary),
    packages: entry.packages,
    ...(entry.versionOf === undefined ? {} : { versionOf: entry.versionOf }),
    judge0Ids: entry.judge0Ids,
    judge0Name: `${label} (${entry.vendor} {v})`,
    pistonName: entry.vendor === 'Clang' ? `${pistonName}-clang` : pistonName,
  };
}

export const LANGUAGE_CATALOG: readonly LanguageDefinition[] = [
  cFamilyEntry({
    id: 'c',
    name: 'C',
    aliases: ['gcc', 'c17', 'gcc-12'],
    extensions: ['.c'],
    language: 'c',
    vendor: 'GCC',
    compiler: 'gcc',
    packages: ['gcc'],
    judge0Ids: [103],
  }),
  cFamilyEntry({
    id: 'cpp',
    name: 'C++',
    aliases: ['c++', 'g++', 'cpp17', 'g++-12'],
    extensions: ['.cpp', '.cc', '.cxx'],
    language: 'cpp',
    vendor: 'GCC',
    compiler: 'g++',
    // Boost's header-only libraries come with it (libboost-dev, listed in scripts/debian-packages.txt).
    packages: ['g++'],
    judge0Ids: [105],
  }),
  {
    id: 'python3',
    name: 'Python',
    aliases: ['python', 'py', 'py3', 'cpython', 'python3.11'],
    extensions: ['.py'],
    sourceFile: 'main.py',
    run: ['python3', '-B', 'main.py'],
    binary: '/usr/bin/python3',
    version: v(['/usr/bin/python3', '--version'], /Python (\S+)/),
    packages: ['python3'],
    // numpy, scipy and pandas are importable (scripts/debian-packages.txt); they cost nothing until
    // imported. One BLAS/OpenMP thread: a program's threads count against its pids and CPU limits.
    env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '0', ...ONE_MATH_THREAD },
    judge0Ids: [71, 92, 100, 109],
    judge0Name: 'Python ({v})',
    pistonName: 'python',
  },
  {
    id: 'javascript',
    name: 'JavaScript (Node.js)',
    aliases: ['js', 'node', 'nodejs', 'node-js', 'node-javascript'],
    extensions: ['.js', '.mjs', '.cjs'],
    sourceFile: 'main.js',
    run: ['node', '--stack-size=65500', 'main.js'],
    binary: '/usr/bin/node',
    version: v(['/usr/bin/node', '--version'], /v(\S+)/),
    packages: ['nodejs'],
    minimumLimits: { memoryKb: 96 * 1024, pids: 16 },
    judge0Ids: [63, 93, 97, 102],
    pistonName: 'javascript',
  },
  {
    id: 'typescript',
    name: 'TypeScript',
    aliases: ['ts', 'tsc', 'node-ts', 'typescript5', 'ts5'],
    extensions: ['.ts'],
    sourceFile: 'main.ts',
    compile: [
      'node',
      `${TYPESCRIPT_HOME}/node_modules/typescript/bin/tsc`,
      '--target',
      'ES2022',
      '--module',
      'commonjs',
      // No DOM library: a program's own `name` or `status` must not clash with browser globals.
      '--lib',
      'ES2022',
      '--typeRoots',
      `${TYPESCRIPT_HOME}/node_modules/@types`,
      '--types',
      'node',
      '--skipLibCheck',
      'main.ts',
    ],
    run: ['node', '--stack-size=65500', 'main.js'],
    binary: `${TYPESCRIPT_HOME}/node_modules/typescript/bin/tsc`,
    version: v(
      ['/usr/bin/node', `${TYPESCRIPT_HOME}/node_modules/typescript/bin/tsc`, '--version'],
      /Version (\S+)/,
    ),
    packages: ['nodejs'],
    minimumLimits: { memoryKb: 96 * 1024, pids: 16 },
    judge0Ids: [74, 94, 101],
    pistonName: 'typescript',
  },
  {
    id: 'java',
    name: 'Java',
    aliases: ['openjdk', 'jdk'],
    extensions: ['.java'],
    sourceFile: 'Main.java',
    compile: ['javac', '-encoding', 'UTF-8', '-J-XX:+UseSerialGC', '-J-XX:TieredStopAtLevel=1', 'Main.java'],
    run: ['java', ...JVM_RUN_FLAGS, '-cp', '.', 'Main'],
    binary: '/usr/bin/javac',
    version: v(['/usr/bin/javac', '-version'], /javac (\S+)/),
    packages: ['default-jdk-headless'],
    minimumLimits: JVM_MINIMUM,
    judge0Ids: [62, 91, 96],
    pistonName: 'java',
  },
  {
    id: 'go',
    name: 'Go',
    aliases: ['golang'],
    extensions: ['.go'],
    sourceFile: 'main.go',
    compile: ['go', 'build', '-o', 'main', 'main.go'],
    run: ['./main'],
    binary: '/usr/bin/go',
    version: v(['/usr/bin/go', 'version'], /go(\d\S*)/),
    packages: ['golang-go'],
    env: { GOCACHE: '/tmp/.go-cache', GOPATH: '/tmp/go', GO111MODULE: 'off', CGO_ENABLED: '0' },
    minimumLimits: { pids: 16 },
    judge0Ids: [60, 95, 106, 107],
    pistonName: 'go',
  },
  {
    id: 'rust',
    name: 'Rust',
    aliases: ['rs', 'rustc'],
    extensions: ['.rs'],
    sourceFile: 'main.rs',
    compile: ['rustc', '--edition', '2021', '-O', '-o', 'main', 'main.rs'],
    run: ['./main'],
    binary: '/usr/bin/rustc',
    version: v(['/usr/bin/rustc', '--version'], /rustc (\S+)/),
    // rustc-web, Debian 12's newer Rust (kept current by its security updates), conflicts with the
    // 1.63 rustc package: it replaces /usr/bin/rustc, so the two cannot be installed side by side.
    packages: ['rustc-web'],
    judge0Ids: [73, 108],
    pistonName: 'rust',
  },
  {
    id: 'ruby',
    name: 'Ruby',
    aliases: ['rb', 'ruby3'],
    extensions: ['.rb'],
    sourceFile: 'main.rb',
    run: ['ruby', 'main.rb'],
    binary: '/usr/bin/ruby',
    version: v(['/usr/bin/ruby', '--version'], /ruby (\d[^\s p]*)/),
    packages: ['ruby'],
    judge0Ids: [72],
    pistonName: 'ruby',
  },
  {
    id: 'php',
    name: 'PHP',
    aliases: ['php8'],
    extensions: ['.php'],
    sourceFile: 'main.php',
    // PHP's own memory_limit would end a hungry program with a fatal error (a runtime error); the
    // sandbox's cgroup limit is the one that counts, and reports memory_limit_exceeded.
    run: ['php', '-d', 'memory_limit=-1', 'main.php'],
    binary: '/usr/bin/php',
    version: v(['/usr/bin/php', '--version'], /PHP (\S+)/),
    packages: ['php-cli'],
    judge0Ids: [68, 98],
    pistonName: 'php',
  },
  {
    id: 'lua',
    name: 'Lua',
    aliases: ['lua5.4', 'lua54'],
    extensions: ['.lua'],
    sourceFile: 'main.lua',
    run: ['lua5.4', 'main.lua'],
    binary: '/usr/bin/lua5.4',
    version: v(['/usr/bin/lua5.4', '-v'], /Lua (\S+)/),
    packages: ['lua5.4'],
    pistonName: 'lua',
  },
  {
    id: 'bash',
    name: 'Bash',
    aliases: ['sh', 'shell'],
    extensions: ['.sh', '.bash'],
    sourceFile: 'main.sh',
    run: ['bash', 'main.sh'],
    binary: '/usr/bin/bash',
    version: v(['/usr/bin/bash', '--version'], /version (\d[\d.]*)/),
    packages: ['bash'],
    judge0Ids: [46],
    pistonName: 'bash',
  },
  {
    id: 'perl',
    name: 'Perl',
    aliases: ['pl'],
    extensions: ['.pl'],
    sourceFile: 'main.pl',
    run: ['perl', 'main.pl'],
    binary: '/usr/bin/perl',
    version: v(['/usr/bin/perl', '-e', 'print $^V'], /v(\S+)/),
    packages: ['perl'],
    judge0Ids: [85],
    pistonName: 'perl',
  },
  {
    id: 'csharp',
    name: 'C# (Mono)',
    aliases: ['cs', 'c#', 'mono', 'mono-csharp', 'mono-c#', 'mono-cs'],
    extensions: ['.cs'],
    sourceFile: 'main.cs',
    compile: ['mcs', '-optimize+', '-out:main.exe', 'main.cs'],
    run: ['mono', 'main.exe'],
    binary: '/usr/bin/mcs',
    version: v(['/usr/bin/mcs', '--version'], /version (\S+)/),
    packages: ['mono-mcs', 'mono-runtime'],
    env: { MONO_GC_PARAMS: 'nursery-size=8m' },
    minimumLimits: { memoryKb: 64 * 1024, pids: 16 },
    judge0Ids: [51],
    pistonName: 'csharp',
  },
  {
    id: 'kotlin',
    name: 'Kotlin',
    aliases: ['kt'],
    extensions: ['.kt'],
    sourceFile: 'main.kt',
    compile: ['kotlinc', '-nowarn', 'main.kt', '-include-runtime', '-d', 'main.jar'],
    run: ['java', ...JVM_RUN_FLAGS, '-jar', 'main.jar'],
    binary: '/usr/bin/kotlinc',
    version: v(['/usr/bin/dpkg-query', '-W', '-f=${Version}', 'kotlin'], /^(\d[\d.]*)/),
    packages: ['kotlin'],
    env: { JAVA_OPTS: '-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss32m' },
    minimumLimits: JVM_MINIMUM,
    compileLimits: JVM_COMPILE_LIMITS,
    judge0Ids: [78, 111],
    pistonName: 'kotlin',
  },
  {
    id: 'haskell',
    name: 'Haskell',
    aliases: ['hs', 'ghc'],
    extensions: ['.hs'],
    sourceFile: 'main.hs',
    compile: ['ghc', '-O', '-o', 'main', 'main.hs'],
    run: ['./main'],
    binary: '/usr/bin/ghc',
    version: v(['/usr/bin/ghc', '--numeric-version'], /^(\S+)/),
    packages: ['ghc'],
    // ghc's package database is a symlink into /var/lib/ghc.
    readOnlyDirs: ['/var/lib/ghc'],
    judge0Ids: [61],
    pistonName: 'haskell',
  },
  {
    id: 'pascal',
    name: 'Pascal (Free Pascal)',
    aliases: ['pas', 'fpc', 'freepascal', 'pp'],
    extensions: ['.pas', '.pp'],
    sourceFile: 'main.pas',
    compile: ['fpc', '-O2', '-v0', '-omain', 'main.pas'],
    run: ['./main'],
    binary: '/usr/bin/fpc',
    version: v(['/usr/bin/fpc', '-iV'], /^(\S+)/),
    packages: ['fpc'],
    judge0Ids: [67],
    pistonName: 'pascal',
  },
  {
    id: 'fortran',
    name: 'Fortran',
    aliases: ['f90', 'gfortran'],
    extensions: ['.f90', '.f95', '.f03'],
    sourceFile: 'main.f90',
    compile: ['gfortran', '-O2', '-pipe', '-o', 'main', 'main.f90'],
    run: ['./main'],
    binary: '/usr/bin/gfortran',
    version: v(['/usr/bin/gfortran', '-dumpfullversion'], /^(\S+)/),
    packages: ['gfortran'],
    judge0Ids: [59],
    pistonName: 'fortran',
  },
  {
    id: 'sqlite',
    name: 'SQL (SQLite)',
    aliases: ['sql', 'sqlite3'],
    extensions: ['.sql'],
    sourceFile: 'main.sql',
    run: ['sqlite3', '-batch', '-bail', ':memory:', '.read main.sql'],
    binary: '/usr/bin/sqlite3',
    version: v(['/usr/bin/sqlite3', '--version'], /^(\S+)/),
    packages: ['sqlite3'],
    judge0Ids: [82],
    pistonName: 'sqlite3',
  },
  {
    id: 'ocaml',
    name: 'OCaml',
    aliases: ['ml'],
    extensions: ['.ml'],
    sourceFile: 'main.ml',
    compile: ['ocamlopt', '-o', 'main', 'main.ml'],
    run: ['./main'],
    binary: '/usr/bin/ocamlopt',
    version: v(['/usr/bin/ocamlopt', '-version'], /^(\S+)/),
    packages: ['ocaml-nox'],
    judge0Ids: [65],
    pistonName: 'ocaml',
  },
  {
    id: 'commonlisp',
    name: 'Common Lisp (SBCL)',
    aliases: ['lisp', 'sbcl', 'cl'],
    extensions: ['.lisp', '.lsp', '.cl'],
    sourceFile: 'main.lisp',
    run: ['sbcl', '--script', 'main.lisp'],
    binary: '/usr/bin/sbcl',
    version: v(['/usr/bin/sbcl', '--version'], /SBCL (\d[\d.]*\d)/),
    packages: ['sbcl'],
    minimumLimits: { memoryKb: 64 * 1024 },
    judge0Ids: [55],
    pistonName: 'lisp',
  },
  // Judge0's two entries that are not programming languages.
  {
    id: 'plaintext',
    name: 'Plain Text',
    aliases: ['text', 'txt'],
    extensions: ['.txt'],
    sourceFile: 'text.txt',
    run: ['cat', 'text.txt'],
    binary: '/usr/bin/cat',
    version: v(['/usr/bin/cat', '--version'], /coreutils\) (\S+)/),
    packages: ['coreutils'],
    judge0Ids: [43],
    judge0Name: 'Plain Text',
  },
  {
    id: 'executable',
    name: 'Executable',
    aliases: ['binary', 'elf', 'file'],
    extensions: ['.out', '.bin'],
    sourceFile: 'a.out',
    // The uploaded program is copied out of the work directory, which a judged run may not write,
    // to be made executable. Anything the kernel can exec runs: an ELF binary or a #! script.
    run: ['/bin/sh', '-c', 'install -m 0755 a.out /tmp/a.out && exec /tmp/a.out "$@"', 'a.out'],
    binary: '/usr/bin/install',
    version: v(['/usr/bin/install', '--version'], /coreutils\) (\S+)/),
    packages: ['coreutils'],
    judge0Ids: [44],
    judge0Name: 'Executable',
    pistonName: 'file',
  },
  {
    id: 'nasm',
    name: 'Assembly (NASM, x86-64)',
    aliases: ['asm', 'nasm64', 'asm64'],
    extensions: ['.asm', '.nasm'],
    sourceFile: 'main.asm',
    compile: ['/bin/sh', '-c', 'nasm -f elf64 -o main.o main.asm && ld -o main main.o'],
    run: ['./main'],
    binary: '/usr/bin/nasm',
    version: v(['/usr/bin/nasm', '-v'], /version (\S+)/),
    packages: ['nasm', 'binutils'],
    judge0Ids: [45],
    judge0Name: 'Assembly (NASM {v})',
    pistonName: 'nasm64',
  },
  // Other versions of C and C++: GCC 11 beside 12, and Clang 14, 15 and 16.
  cFamilyEntry({
    id: 'c-gcc11',
    name: 'C (GCC 11)',
    aliases: ['gcc-11', 'gcc11'],
    extensions: ['.c'],
    language: 'c',
    vendor: 'GCC',
    compiler: 'gcc-11',
    packages: ['gcc-11'],
    versionOf: 'c',
    judge0Ids: [48, 49, 50],
  }),
  cFamilyEntry({
    id: 'cpp-gcc11',
    name: 'C++ (GCC 11)',
    aliases: ['g++-11', 'g++11'],
    extensions: ['.cpp'],
    language: 'cpp',
    vendor: 'GCC',
    compiler: 'g++-11',
    packages: ['g++-11'],
    versionOf: 'cpp',
    judge0Ids: [52, 53, 54],
  }),
  ...[16, 15, 14].flatMap((major): LanguageDefinition[] => {
    const newest = major === 16;
    const suffix = newest ? '' : String(major);
    return [
      cFamilyEntry({
        id: `c-clang${suffix}`,
        name: `C (Clang ${major})`,
        aliases: newest ? ['clang', 'clang-16', 'clang16'] : [`clang-${major}`, `clang${major}`],
        extensions: ['.c'],
        language: 'c',
        vendor: 'Clang',
        compiler: `clang-${major}`,
        packages: [`clang-${major}`],
        ...(newest ? {} : { versionOf: 'c-clang' }),
        // Judge0 CE 1.13.1 names Clang 7 (75), later ones Clang 18 (104) and 19 (110).
        judge0Ids: major === 14 ? [75] : newest ? [104, 110] : [],
      }),
      cFamilyEntry({
        id: `cpp-clang${suffix}`,
        name: `C++ (Clang ${major})`,
        aliases: newest ? ['clang++', 'clang++-16', 'clang++16'] : [`clang++-${major}`, `clang++${major}`],
        extensions: ['.cpp'],
        language: 'cpp',
        vendor: 'Clang',
        compiler: `clang++-${major}`,
        packages: [`clang-${major}`],
        ...(newest ? {} : { versionOf: 'cpp-clang' }),
        judge0Ids: major === 14 ? [76] : [],
      }),
    ];
  }),
  {
    id: 'objective-c',
    name: 'Objective-C (GCC)',
    aliases: ['objc', 'gobjc'],
    extensions: ['.m'],
    sourceFile: 'main.m',
    // GCC's own Objective-C runtime (libobjc); GNUstep's Foundation is not installed.
    compile: [
      'gcc',
      '-x',
      'objective-c',
      '-std=gnu17',
      '-O2',
      '-pipe',
      '-o',
      'main',
      'main.m',
      '-lobjc',
      '-lm',
    ],
    run: ['./main'],
    binary: '/usr/lib/gcc/x86_64-linux-gnu/12/cc1obj',
    version: v(['/usr/bin/gcc', '-dumpfullversion'], /^(\S+)/),
    packages: ['gobjc'],
    judge0Ids: [79],
    judge0Name: 'Objective-C (GCC {v})',
  },
  {
    id: 'd',
    name: 'D (LDC)',
    aliases: ['dlang', 'ldc', 'ldc2'],
    extensions: ['.d'],
    sourceFile: 'main.d',
    // /etc/ldc2.conf is not in the sandbox: its settings are given here, and `-conf=` reads no file.
    compile: [
      'ldc2',
      '-conf=',
      '-defaultlib=phobos2-ldc,druntime-ldc',
      '-link-defaultlib-shared',
      '-I/usr/lib/ldc/x86_64-linux-gnu/include/d',
      '-I/usr/include/d',
      '-O',
      '-of=main',
      'main.d',
    ],
    run: ['./main'],
    binary: '/usr/bin/ldc2',
    version: v(['/usr/bin/ldc2', '--version'], /LDC - the LLVM D compiler \((\S+)\)/),
    packages: ['ldc'],
    // Judge0 runs DMD, which Debian does not package; LDC shares its front end.
    judge0Ids: [56],
    judge0Name: 'D (LDC {v})',
    pistonName: 'd',
  },
  {
    id: 'd-gdc',
    name: 'D (GDC)',
    aliases: ['gdc'],
    extensions: ['.d'],
    sourceFile: 'main.d',
    compile: ['gdc', '-O2', '-pipe', '-o', 'main', 'main.d'],
    run: ['./main'],
    binary: '/usr/bin/gdc',
    version: v(['/usr/bin/gdc', '-dumpfullversion'], /^(\S+)/),
    packages: ['gdc'],
    pistonName: 'd-gdc',
  },
  {
    id: 'ada',
    name: 'Ada (GNAT)',
    aliases: ['gnat', 'adb'],
    extensions: ['.adb'],
    sourceFile: 'main.adb',
    compile: ['gnatmake', '-q', '-O2', 'main.adb', '-o', 'main'],
    run: ['./main'],
    binary: '/usr/bin/gnatmake',
    version: v(['/usr/bin/gcc', '-dumpfullversion'], /^(\S+)/),
    packages: ['gnat'],
  },
  {
    id: 'cobol',
    name: 'COBOL (GnuCOBOL)',
    aliases: ['cob', 'cobc', 'gnucobol'],
    extensions: ['.cob', '.cbl'],
    sourceFile: 'main.cob',
    compile: ['cobc', '-x', '-free', '-O', '-o', 'main', 'main.cob'],
    run: ['./main'],
    binary: '/usr/bin/cobc',
    version: v(['/usr/bin/cobc', '--version'], /cobc \(GnuCOBOL\) (\S+)/),
    packages: ['gnucobol3'],
    readOnlyDirs: ['/etc/gnucobol'],
    judge0Ids: [77],
    judge0Name: 'COBOL (GnuCOBOL {v})',
    pistonName: 'cobol',
  },
  {
    id: 'nim',
    name: 'Nim',
    aliases: ['nimlang'],
    extensions: ['.nim'],
    sourceFile: 'main.nim',
    compile: [
      'nim',
      'compile',
      '--hints:off',
      '--warnings:off',
      '-d:release',
      '--nimcache:/tmp/nimcache',
      '--out:main',
      'main.nim',
    ],
    run: ['./main'],
    binary: '/usr/bin/nim',
    version: v(['/usr/bin/nim', '--version'], /Version (\S+)/),
    packages: ['nim'],
    pistonName: 'nim',
  },
  {
    id: 'crystal',
    name: 'Crystal',
    aliases: ['cr'],
    extensions: ['.cr'],
    sourceFile: 'main.cr',
    compile: ['crystal', 'build', '--no-color', '-o', 'main', 'main.cr'],
    run: ['./main'],
    binary: '/usr/bin/crystal',
    version: v(['/usr/bin/crystal', '--version'], /Crystal (\S+)/),
    packages: ['crystal'],
    env: { CRYSTAL_CACHE_DIR: '/tmp/.crystal-cache' },
    compileLimits: { cpuMs: 60_000, wallMs: 90_000, memoryKb: 2 * 1024 * 1024 },
    pistonName: 'crystal',
  },
  {
    id: 'pypy3',
    name: 'Python (PyPy)',
    aliases: ['pypy', 'pypy3.9'],
    extensions: ['.py'],
    sourceFile: 'main.py',
    run: ['pypy3', '-B', 'main.py'],
    binary: '/usr/bin/pypy3',
    version: v(['/usr/bin/pypy3', '--version'], /Python (\S+)/),
    packages: ['pypy3'],
    env: { PYTHONDONTWRITEBYTECODE: '1' },
    minimumLimits: { memoryKb: 64 * 1024 },
    versionOf: 'python3',
    judge0Name: 'Python (PyPy {v})',
    pistonName: 'python',
    pistonRuntime: 'pypy',
  },
  {
    id: 'lua5.3',
    name: 'Lua 5.3',
    aliases: ['lua53'],
    extensions: ['.lua'],
    sourceFile: 'main.lua',
    run: ['lua5.3', 'main.lua'],
    binary: '/usr/bin/lua5.3',
    version: v(['/usr/bin/lua5.3', '-v'], /Lua (\S+)/),
    packages: ['lua5.3'],
    versionOf: 'lua',
    judge0Ids: [64],
    judge0Name: 'Lua ({v})',
    pistonName: 'lua',
  },
  {
    id: 'elixir',
    name: 'Elixir',
    aliases: ['exs', 'ex'],
    extensions: ['.exs', '.ex'],
    sourceFile: 'main.exs',
    run: ['elixir', 'main.exs'],
    binary: '/usr/bin/elixir',
    version: dpkgVersion('elixir'),
    packages: ['elixir'],
    env: ERLANG_ENV,
    minimumLimits: ERLANG_MINIMUM,
    judge0Ids: [57],
    pistonName: 'elixir',
  },
  {
    id: 'erlang',
    name: 'Erlang',
    aliases: ['erl', 'escript'],
    extensions: ['.erl'],
    sourceFile: 'main.erl',
    // escript skips a script's first line, meant for `#!`: one without it gets a blank line first.
    run: [
      '/bin/sh',
      '-c',
      'if [ "$(head -c 2 main.erl)" = "#!" ]; then exec escript main.erl "$@"; fi; ' +
        '{ echo; cat main.erl; } > /tmp/main.erl && exec escript /tmp/main.erl "$@"',
      'main.erl',
    ],
    binary: '/usr/bin/escript',
    version: dpkgVersion('erlang-base'),
    packages: ['erlang-base'],
    env: ERLANG_ENV,
    minimumLimits: ERLANG_MINIMUM,
    judge0Ids: [58],
    judge0Name: 'Erlang (OTP {v})',
    pistonName: 'erlang',
  },
  {
    id: 'octave',
    name: 'Octave',
    aliases: ['matlab', 'm'],
    extensions: ['.m'],
    sourceFile: 'main.m',
    run: ['octave-cli', '--no-gui', '--quiet', '--no-history', '--norc', 'main.m'],
    binary: '/usr/bin/octave-cli',
    version: dpkgVersion('octave'),
    packages: ['octave'],
    env: ONE_MATH_THREAD,
    minimumLimits: { memoryKb: 192 * 1024 },
    judge0Ids: [66],
    pistonName: 'octave',
  },
  {
    id: 'r',
    name: 'R',
    aliases: ['rscript', 'rlang'],
    extensions: ['.r'],
    sourceFile: 'main.r',
    run: ['Rscript', '--vanilla', 'main.r'],
    binary: '/usr/bin/Rscript',
    version: v(['/usr/bin/Rscript', '--version'], /version (\S+)/),
    packages: ['r-base-core'],
    // R refuses to start unless it may open 1.67 files per DLL it may load (R_MAX_NUM_DLLS, 614 by
    // default, 100 at least): 100 DLLs need 167 descriptors.
    env: { ...ONE_MATH_THREAD, R_MAX_NUM_DLLS: '100' },
    minimumLimits: { memoryKb: 96 * 1024, openFiles: 192 },
    // R_HOME/etc is a symlink to /etc/R.
    readOnlyDirs: ['/etc/R'],
    judge0Ids: [80, 99],
    pistonName: 'rscript',
  },
  {
    id: 'prolog',
    name: 'Prolog (SWI-Prolog)',
    aliases: ['swipl', 'swi-prolog', 'plg'],
    extensions: ['.pro', '.prolog'],
    sourceFile: 'main.pl',
    run: ['swipl', '-q', 'main.pl'],
    binary: '/usr/bin/swipl',
    version: v(['/usr/bin/swipl', '--version'], /version (\S+)/),
    packages: ['swi-prolog-nox'],
    minimumLimits: { memoryKb: 64 * 1024 },
    pistonName: 'prolog',
  },
  {
    id: 'gprolog',
    name: 'Prolog (GNU Prolog)',
    aliases: ['gnu-prolog', 'gplc'],
    extensions: ['.pro'],
    sourceFile: 'main.pro',
    compile: ['gplc', '--no-top-level', '-o', 'main', 'main.pro'],
    run: ['./main'],
    binary: '/usr/bin/gplc',
    version: v(['/usr/bin/gplc', '--version'], /\(GNU Prolog\) (\S+)/),
    packages: ['gprolog'],
    // GNU Prolog's stacks have fixed sizes (global stack 32 MiB): past them a program ends with
    // "stack overflow", a runtime error. Sized to the server's largest memory limit (2 GiB of global
    // stack), the cgroup decides, and a hungry program gets memory_limit_exceeded. Sizes in
    // kilo-words of 8 bytes; reserved, not used, until touched.
    env: { GLOBALSZ: '262144', LOCALSZ: '65536', TRAILSZ: '65536', CSTRSZ: '65536' },
    judge0Ids: [69],
    judge0Name: 'Prolog (GNU Prolog {v})',
  },
  {
    id: 'racket',
    name: 'Racket',
    aliases: ['rkt'],
    extensions: ['.rkt'],
    sourceFile: 'main.rkt',
    run: ['racket', 'main.rkt'],
    binary: '/usr/bin/racket',
    version: v(['/usr/bin/racket', '--version'], /v(\d[\d.]*)/),
    packages: ['racket'],
    // Where Debian's Racket keeps its compiled libraries; without it every run recompiles them.
    readOnlyDirs: ['/etc/racket'],
    minimumLimits: { memoryKb: 128 * 1024 },
    pistonName: 'racket',
  },
  {
    id: 'scheme',
    name: 'Scheme (Guile)',
    aliases: ['guile', 'scm'],
    extensions: ['.scm'],
    sourceFile: 'main.scm',
    run: ['guile-3.0', '--no-auto-compile', '-s', 'main.scm'],
    binary: '/usr/bin/guile-3.0',
    version: v(['/usr/bin/guile-3.0', '--version'], /\(GNU Guile\) (\S+)/),
    packages: ['guile-3.0'],
  },
  {
    id: 'tcl',
    name: 'Tcl',
    aliases: ['tclsh'],
    extensions: ['.tcl'],
    sourceFile: 'main.tcl',
    run: ['tclsh8.6', 'main.tcl'],
    binary: '/usr/bin/tclsh8.6',
    version: dpkgVersion('tcl8.6'),
    packages: ['tcl8.6'],
  },
  {
    id: 'awk',
    name: 'AWK (GNU Awk)',
    aliases: ['gawk'],
    extensions: ['.awk'],
    sourceFile: 'main.awk',
    run: ['gawk', '-f', 'main.awk'],
    binary: '/usr/bin/gawk',
    version: v(['/usr/bin/gawk', '--version'], /GNU Awk ([\d.]+)/),
    packages: ['gawk'],
    pistonName: 'awk',
  },
  // JVM languages beside Java and Kotlin. Clojure and Groovy run on one fixed jar, so a class-data
  // sharing archive dumped by scripts/setup (cdsArchive) spares each run most of its class loading.
  {
    id: 'scala',
    name: 'Scala',
    aliases: ['sc', 'scalac'],
    extensions: ['.scala'],
    sourceFile: 'Main.scala',
    compile: ['scalac', '-nowarn', 'Main.scala'],
    run: ['java', ...JVM_RUN_FLAGS, '-cp', `${SCALA_LIB}:.`, 'Main'],
    binary: '/usr/bin/scalac',
    version: dpkgVersion('scala'),
    packages: ['scala'],
    env: { JAVA_OPTS: '-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss32m' },
    minimumLimits: JVM_MINIMUM,
    compileLimits: JVM_COMPILE_LIMITS,
    judge0Ids: [81],
    pistonName: 'scala',
  },
  {
    id: 'clojure',
    name: 'Clojure',
    aliases: ['clj'],
    extensions: ['.clj'],
    sourceFile: 'main.clj',
    run: jvmRun('clojure', CLOJURE_JAR, ['clojure.main', 'main.clj']),
    binary: CLOJURE_JAR,
    version: dpkgVersion('clojure'),
    packages: ['clojure'],
    minimumLimits: JVM_MINIMUM,
    judge0Ids: [86],
    pistonName: 'clojure',
  },
  {
    id: 'groovy',
    name: 'Groovy',
    aliases: ['gvy'],
    extensions: ['.groovy', '.gvy'],
    sourceFile: 'main.groovy',
    run: jvmRun('groovy', GROOVY_JAR, ['groovy.ui.GroovyMain', 'main.groovy']),
    binary: GROOVY_JAR,
    version: dpkgVersion('groovy'),
    packages: ['groovy'],
    minimumLimits: JVM_MINIMUM,
    judge0Ids: [88],
    pistonName: 'groovy',
  },
];
