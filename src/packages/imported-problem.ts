import type { CheckerSpec, Feedback, InteractorSpec, TestCase, TestGroup } from '../judge/types.js';
import type { RunLimits } from '../sandbox/limits.js';
import type { ProblemFile, ProblemGrader, ProblemType, ReferenceSolution } from '../store/types.js';

/** The package formats Arbiter reads. */
export type PackageFormat = 'kattis' | 'polygon';

/** What a package import makes: a problem, short of the id and times the API gives it. */
export interface ImportedProblem {
  format: PackageFormat;
  /** A default id: the package's folder (Kattis) or short name (Polygon), when it has one. */
  name?: string;
  title: string;
  tests: TestCase[];
  groups?: TestGroup[];
  limits?: Partial<RunLimits>;
  checker?: CheckerSpec;
  /** An interactive problem's interactor (never with a custom checker). */
  interactor?: InteractorSpec;
  /** Absent: program. */
  type?: ProblemType;
  /** Files every run finds (Kattis include/default/); checked by the API as a problem's `files`. */
  files?: ProblemFile[];
  /** Graders by language id (Kattis include/<language>/); checked by the API as a problem's `graders`. */
  graders?: Record<string, ProblemGrader>;
  feedback?: Feedback;
  solutions: ReferenceSolution[];
}

/** Most tests a package may have: the API's own bound on a problem's tests. */
export const MAX_PACKAGE_TESTS = 1000;

/** Longest title kept: the API's bound. */
export const MAX_TITLE_LENGTH = 200;

/** A problem id: letters, digits, `_`, `.` and `-` (the API's pattern). */
export const PROBLEM_ID = /^[A-Za-z0-9_.-]{1,100}$/;
