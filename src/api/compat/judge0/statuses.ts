/**
 * Judge0 CE's fourteen submission statuses, with the ids and descriptions its clients match on
 * (GET /statuses), and runtimeErrorStatus, the signal-or-exit part of the verdict rule. The rule
 * that turns a whole Arbiter result into a status id is outcomeOf in ./response.ts (its header
 * lists it verdict by verdict); the aggregate one of GET /statistics is in ./statistics.ts.
 */

export interface Judge0Status {
  id: number;
  description: string;
}

export const JUDGE0_STATUSES: readonly Judge0Status[] = Object.freeze([
  { id: 1, description: 'In Queue' },
  { id: 2, description: 'Processing' },
  { id: 3, description: 'Accepted' },
  { id: 4, description: 'Wrong Answer' },
  { id: 5, description: 'Time Limit Exceeded' },
  { id: 6, description: 'Compilation Error' },
  { id: 7, description: 'Runtime Error (SIGSEGV)' },
  { id: 8, description: 'Runtime Error (SIGXFSZ)' },
  { id: 9, description: 'Runtime Error (SIGFPE)' },
  { id: 10, description: 'Runtime Error (SIGABRT)' },
  { id: 11, description: 'Runtime Error (NZEC)' },
  { id: 12, description: 'Runtime Error (Other)' },
  { id: 13, description: 'Internal Error' },
  { id: 14, description: 'Exec Format Error' },
]);

/** Status ids by name, so code reads `STATUS.ACCEPTED` rather than a bare 3. */
export const STATUS = Object.freeze({
  IN_QUEUE: 1,
  PROCESSING: 2,
  ACCEPTED: 3,
  WRONG_ANSWER: 4,
  TIME_LIMIT_EXCEEDED: 5,
  COMPILATION_ERROR: 6,
  SIGSEGV: 7,
  SIGXFSZ: 8,
  SIGFPE: 9,
  SIGABRT: 10,
  NZEC: 11,
  OTHER: 12,
  INTERNAL_ERROR: 13,
  EXEC_FORMAT_ERROR: 14,
});

export function judge0Status(id: number): Judge0Status {
  const status = JUDGE0_STATUSES[id - 1];
  if (!status) throw new Error(`no Judge0 status ${id}`);
  return status;
}

/** Signal numbers (Linux) that have a status of their own; every other signal is "Other". */
export const SIGNALS = Object.freeze({ SIGABRT: 6, SIGFPE: 8, SIGKILL: 9, SIGSEGV: 11, SIGXFSZ: 25 });

/** A runtime error's status: by the signal that ended the program, else by its non-zero exit (NZEC). */
export function runtimeErrorStatus(signal: number | null, exitCode: number | null): number {
  switch (signal) {
    case SIGNALS.SIGSEGV:
      return STATUS.SIGSEGV;
    case SIGNALS.SIGXFSZ:
      return STATUS.SIGXFSZ;
    case SIGNALS.SIGFPE:
      return STATUS.SIGFPE;
    case SIGNALS.SIGABRT:
      return STATUS.SIGABRT;
    case null:
    case 0:
      return exitCode !== null && exitCode !== 0 ? STATUS.NZEC : STATUS.OTHER;
    default:
      return STATUS.OTHER;
  }
}
