/** How the editor words a problem: what it asks for, and where the student's code goes. */
import type { ProblemSummary, ProblemView } from '../shared/types.js';

type Grader = NonNullable<ProblemView['graders']>[string];

/** What the chosen problem asks for: a program (maybe with graders, maybe interactive) or outputs. */
export function problemText(problem: ProblemSummary): string {
  const tests = `the ${problem.testCount} tests of “${problem.title}”`;
  if (problem.type === 'output-only')
    return `Output-only: you submit the output of each of ${tests}; no program runs.`;
  const parts = [`Judged against ${tests}.`];
  if (problem.interactor)
    parts.push(
      "Interactive: your program talks with the problem's interactor through stdin and stdout; it gets no input of its own (no stdin to fill), and its output is not shown. Flush after each line you print.",
    );
  else parts.push('Each test gives its own input.');
  if (problem.graders)
    parts.push(`Write the part the problem's grader calls, in ${problem.graders.join(', ')}.`);
  return parts.join(' ');
}

/** The name a grader gives the student's source, and what runs it. */
export function sourceFileText(grader: Grader): string {
  return grader.sourceFile
    ? `Your code is saved as ${grader.sourceFile}${grader.entry ? ` and ${grader.entry} runs it` : ' and compiled with the grader'}.`
    : "Your code is compiled with the problem's grader.";
}
