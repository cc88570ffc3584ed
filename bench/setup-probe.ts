import { LineReader } from '../src/sandbox/protocol.js';

/**
 * The supervisor reports setup_us (fork to exec, per run) but RunResult does not carry it, and the
 * bench may not edit src/. Every report line reaches SandboxSlot through LineReader.next(), so for
 * the length of the bench that method is wrapped to read setup_us off the lines it hands back.
 * Observe only: each line is passed on unchanged, and dispose() puts the original back.
 */
export interface SetupProbe {
  /** setup_us of every run reported since the last drain, in microseconds. */
  drain(): number[];
  /** steps_us of every run reported since the last drainSteps: each step's microseconds by name. */
  drainSteps(): SetupSteps[];
  dispose(): void;
}

/** Where a run's setup went (the supervisor's steps_us), microseconds by step, in its order. */
export type SetupSteps = Map<string, number>;

const SETUP_FIELD = / setup_us=(\d+)(?: |$)/;
const STEPS_FIELD = / steps_us=([a-z]+:\d+(?:,[a-z]+:\d+)*)(?: |$)/;

/** Parses "limits:12,fork:80,..." into its steps, in order. */
export function parseSteps(field: string): SetupSteps {
  return new Map(
    field
      .split(',')
      .map((pair) => pair.split(':') as [string, string])
      .map(([k, v]) => [k, Number(v)]),
  );
}

export function installSetupProbe(): SetupProbe {
  const original = LineReader.prototype.next;
  let seen: number[] = [];
  let steps: SetupSteps[] = [];
  LineReader.prototype.next = function next(this: LineReader): Promise<string> {
    return original.call(this).then((line) => {
      // Only run reports start with "ok "; the slot's "ready" line and failures carry no timing.
      const match = line.startsWith('ok ') ? SETUP_FIELD.exec(line) : null;
      if (match) seen.push(Number(match[1]));
      const stepsMatch = line.startsWith('ok ') ? STEPS_FIELD.exec(line) : null;
      if (stepsMatch) steps.push(parseSteps(stepsMatch[1]!));
      return line;
    });
  };
  return {
    drain() {
      const out = seen;
      seen = [];
      return out;
    },
    drainSteps() {
      const out = steps;
      steps = [];
      return out;
    },
    dispose() {
      LineReader.prototype.next = original;
    },
  };
}
