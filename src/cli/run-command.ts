import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ArbiterError } from '../errors.js';
import { compileAndRun } from '../judge/execute.js';
import { LanguageRegistry } from '../languages/registry.js';
import { parseDuration, parseSizeKb, resolveLimits } from '../sandbox/limits.js';
import { SandboxPool } from '../sandbox/pool.js';
import { verdictLine } from './format.js';
import { writeOutputs } from './submit-format.js';

export interface RunCommandOptions {
  lang?: string;
  stdin?: string;
  time?: string;
  wall?: string;
  memory?: string;
}

function readInput(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ArbiterError(
      'INVALID_INPUT',
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

/** `arbiter run FILE`: compile if needed, run, print the output and one verdict line. Returns the exit code. */
export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const registry = new LanguageRegistry();
  const language = registry.getInstalled(options.lang ?? registry.forFile(file).id);
  const source = readInput(file);
  const stdin = options.stdin ? readInput(options.stdin) : undefined;
  const cpuMs = options.time ? parseDuration(options.time) : undefined;
  const limits = resolveLimits({
    cpuMs,
    wallMs: options.wall
      ? parseDuration(options.wall)
      : cpuMs !== undefined
        ? Math.max(cpuMs * 2, 1000)
        : undefined,
    memoryKb: options.memory ? parseSizeKb(options.memory) : undefined,
  });
  const pool = await SandboxPool.create({ concurrency: 1, readOnlyDirs: registry.readOnlyDirs() });
  try {
    const result = await compileAndRun(pool, { language, source, stdin, limits });
    writeOutputs(result);
    const shown = result.run ?? result.compile;
    process.stderr.write(`\n${basename(file)} [${language.id}]: ${verdictLine(result.status, shown)}\n`);
    return result.status === 'accepted' ? 0 : 1;
  } finally {
    await pool.close();
  }
}
