/** The body of POST /api/v1/submissions for what the editor page shows. */
import type { SourceFile } from '../../contract.js';
import type { ProblemSummary } from '../shared/types.js';

/** The language an output-only submission names (docs/problems.md). */
const OUTPUT_LANGUAGE = 'output';

export type SubmissionRequest =
  | { language: string; files: SourceFile[]; problemId: string }
  | { language: string; source: string; problemId: string }
  | { language: string; source: string; stdin: string };

export interface EditorInputs {
  /** The chosen problem's id; '' for none. */
  problemId: string;
  problem: ProblemSummary | undefined;
  /** '' until a language is chosen. */
  language: string;
  source: string;
  stdin: string;
  /** An output-only problem's outputs; asked only for such a problem. */
  outputs: () => SourceFile[] | null;
}

/** 'no outputs' when an output-only problem has none to send; null when no language is chosen. */
export function submissionRequest(inputs: EditorInputs): SubmissionRequest | 'no outputs' | null {
  const { problemId, language, source } = inputs;
  if (inputs.problem?.type === 'output-only') {
    const files = inputs.outputs();
    return files ? { language: OUTPUT_LANGUAGE, files, problemId } : 'no outputs';
  }
  if (!language) return null;
  return problemId ? { language, source, problemId } : { language, source, stdin: inputs.stdin };
}
