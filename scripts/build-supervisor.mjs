// Compiles the sandbox supervisor (src/sandbox/native/supervisor.c) into build/arbiter-supervisor.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';

mkdirSync('build', { recursive: true });
const temp = `build/arbiter-supervisor.${process.pid}.tmp`;
execFileSync(
  'gcc',
  ['-O2', '-Wall', '-Wextra', '-Werror', '-o', temp, 'src/sandbox/native/supervisor.c', '-lseccomp'],
  {
    stdio: 'inherit',
  },
);
renameSync(temp, 'build/arbiter-supervisor');
console.log('built build/arbiter-supervisor');
