/**
 * GET /system_info: what `lscpu` and `free -h` say about this host, as Judge0 answers it (one flat
 * object of "Key": "value" strings). Read once per process. The "Flags" and "Vulnerability …" lines
 * are left out: they tell every API caller which CPU attacks the host is open to.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { arch, cpus, totalmem } from 'node:os';

const LSCPU_TIMEOUT_MS = 5_000;
const HIDDEN_KEYS = /^(Flags|Vulnerability\b)/;

/** `lscpu`'s "Key:   value" lines as an object, without the hidden keys. */
export function parseLscpu(output: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key && !HIDDEN_KEYS.test(key)) info[key] = value;
  }
  return info;
}

/** KiB as `free -h` prints sizes: "7.7G", "23G", "512M", "0B". */
export function humanSize(kib: number): string {
  if (kib <= 0) return '0B';
  const units = ['K', 'M', 'G', 'T'];
  let value = kib;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = value < 10 ? value.toFixed(1).replace(/\.0$/, '') : String(Math.round(value));
  return `${text}${units[unit]}`;
}

/** "MemTotal" and "SwapTotal" of /proc/meminfo, in KiB. */
export function parseMeminfo(text: string): { memKb: number; swapKb: number } {
  const read = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { memKb: read('MemTotal'), swapKb: read('SwapTotal') };
}

function runLscpu(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      'lscpu',
      [],
      { timeout: LSCPU_TIMEOUT_MS, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } },
      (error, stdout) => resolve(error ? null : stdout),
    );
  });
}

let cached: Promise<Record<string, string>> | undefined;

export function systemInfo(): Promise<Record<string, string>> {
  cached ??= (async () => {
    const lscpu = await runLscpu();
    const info: Record<string, string> = lscpu
      ? parseLscpu(lscpu)
      : { Architecture: arch(), 'CPU(s)': String(cpus().length), 'Model name': cpus()[0]?.model ?? '' };
    const meminfo = await readFile('/proc/meminfo', 'utf8').then(parseMeminfo, () => ({
      memKb: totalmem() / 1024,
      swapKb: 0,
    }));
    info.Mem = humanSize(meminfo.memKb);
    info.Swap = humanSize(meminfo.swapKb);
    return info;
  })();
  return cached;
}
