import { spawn } from 'node:child_process';

export interface BareOutput {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
}

/**
 * The ceiling the sandbox is measured against: the same program spawned with node's spawn, no
 * sandbox, output collected, resolved once it has exited and its pipes have closed (the same
 * moment the sandbox's run() can return).
 */
export function execBare(
  command: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<BareOutput> {
  const [file, ...args] = command;
  if (file === undefined) return Promise.reject(new Error('execBare needs a command'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (exitCode, signal) =>
      resolve({ exitCode, signal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) }),
    );
  });
}

/** Runs a program bare and throws unless it exited 0 with exactly the expected output. */
export async function execBareExpecting(
  command: readonly string[],
  env: Readonly<Record<string, string>>,
  expectedStdout: string,
): Promise<BareOutput> {
  const output = await execBare(command, env);
  const stdout = output.stdout.toString();
  if (output.exitCode !== 0 || stdout !== expectedStdout) {
    throw new Error(
      `bare run of ${command.join(' ')} failed: exit ${output.exitCode} signal ${output.signal}, ` +
        `stdout ${JSON.stringify(stdout.slice(0, 200))}, stderr ${JSON.stringify(output.stderr.toString().slice(0, 200))}`,
    );
  }
  return output;
}
