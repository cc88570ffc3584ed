// Runs every test file (test/**/*.test.ts and src/**/*.test.ts) with node's test runner, whose
// closing lines report the counts. Extra arguments narrow the run to files containing them.
//
// The VM guests (*.vm.test.ts) run last, on their own: an emulated guest is charged CPU time
// whenever the host deschedules it, so on a machine busy with other test files its programs hit
// CPU limits they never reach on a quiet one. Two runs, so the counts are printed again, summed.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === 'fixtures' ? [] : find(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = ['src', 'test']
  .flatMap(find)
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const isGuest = (file) => file.endsWith('.vm.test.ts');
const batches = [files.filter((f) => !isGuest(f)), files.filter(isGuest)].filter((b) => b.length > 0);

const totals = {};
let failed = false;
for (const batch of batches) {
  // The output is passed on as it comes (a batch runs for minutes) and kept for the counts.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      '--test-concurrency=2',
      '--test-timeout=900000',
      ...batch,
    ],
    { stdio: ['inherit', 'pipe', 'inherit'] },
  );
  let tail = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString()).slice(-4096);
  });
  const code = await new Promise((resolve) => child.on('close', (status) => resolve(status)));
  for (const [, key, value] of tail.matchAll(/^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm))
    totals[key] = (totals[key] ?? 0) + Number(value);
  if (code !== 0) failed = true;
}
if (batches.length > 1) {
  console.log(`\nall test files, ${batches.length} runs (the VM guests last, alone):`);
  for (const [key, value] of Object.entries(totals)) console.log(`ℹ ${key} ${value}`);
}
process.exit(failed ? 1 : 0);
