/** Shows a submission: the verdict line, the three output panes and, for problems, the test table. */
import { byId } from '../shared/by-id.js';
import { formatKb, formatMs, statusLabel, statusTone } from '../shared/format.js';
import type { GroupView, StageView, SubmissionView, TestView } from '../shared/types.js';
import { diffText } from './diff-text.js';

export class ResultView {
  readonly #verdict = byId('verdict');
  readonly #badge = byId('verdict-badge');
  readonly #metrics = byId('verdict-metrics');
  readonly #stdout = byId('stdout');
  readonly #notes = [byId('stdout-note'), byId('stderr-note')];
  readonly #stderr = byId('stderr');
  readonly #compile = byId('compile-output');
  readonly #testsSection = byId('tests-section');
  readonly #testsScore = byId('tests-score');
  readonly #testsBody = byId<HTMLTableElement>('tests').tBodies[0]!;
  readonly #groupsBlock = byId('groups-block');
  readonly #groupsBody = byId<HTMLTableElement>('groups').tBodies[0]!;

  /** Empties every pane before a new run. */
  clear(): void {
    this.#verdict.hidden = true;
    this.#verdict.dataset.status = '';
    for (const pane of [this.#stdout, this.#stderr, this.#compile]) setPane(pane, '');
    this.#testsSection.hidden = true;
    this.#testsBody.replaceChildren();
    this.#groupsBlock.hidden = true;
    this.#groupsBody.replaceChildren();
    for (const note of this.#notes) note.textContent = '';
  }

  /**
   * `interactive`: the problem's tests are conversations with an interactor, whose half the API
   * never returns as output; the output pane says so rather than "No output.".
   */
  show(submission: SubmissionView, options: { interactive?: boolean } = {}): void {
    const { status, compile, run } = submission;
    this.#verdict.hidden = false;
    this.#verdict.dataset.status = status;
    this.#badge.textContent = statusLabel(status);
    this.#badge.className = `badge tone-${statusTone(status)}`;
    const measured = run ?? compile;
    const parts = measured
      ? [
          `${run ? '' : 'compile: '}CPU ${formatMs(measured.cpuMs)}`,
          `wall ${formatMs(measured.wallMs)}`,
          `memory ${formatKb(measured.memoryKb)}`,
        ]
      : [];
    if (run) parts.push(...why(run));
    if (submission.maxScore !== null) parts.push(`score ${submission.score ?? 0} / ${submission.maxScore}`);
    if (submission.cached) parts.push('from the result cache');
    this.#metrics.textContent = parts.join(' · ');

    setPane(this.#stdout, stageText(run?.stdout, run?.stdoutTruncated, run?.stdoutBase64));
    this.#stdout.dataset.empty = options.interactive
      ? "Not shown: an interactive program's output is its conversation with the interactor."
      : 'No output.';
    const errors = [
      stageText(run?.stderr, run?.stderrTruncated, run?.stderrBase64),
      run?.message,
      submission.message,
    ]
      .filter((s): s is string => Boolean(s))
      .join('\n');
    setPane(this.#stderr, errors);
    setPane(this.#compile, compileText(compile));

    // With tests, the panes show one test's run: the first judged one that failed, else the last.
    const failed = submission.tests.findIndex((t) => t.status !== 'accepted' && t.status !== 'skipped');
    const shown = failed === -1 ? submission.tests.length - 1 : failed;
    for (const note of this.#notes)
      note.textContent = submission.tests.length > 0 && run ? `(test ${shown + 1})` : '';
    this.#testsSection.hidden = submission.tests.length === 0;
    if (submission.tests.length > 0) {
      const passed = submission.tests.filter((t) => t.status === 'accepted').length;
      this.#testsScore.textContent = `${passed} of ${submission.tests.length} tests passed; score ${submission.score ?? 0} of ${submission.maxScore ?? 0}.`;
      this.#testsBody.replaceChildren(...submission.tests.map(testRow));
    }
    const groups = submission.groups ?? [];
    this.#groupsBlock.hidden = groups.length === 0;
    this.#groupsBody.replaceChildren(...groups.map(groupRow));
  }
}

/** Limits a run can hit (the sandbox's RunReason), as the verdict line names them. */
const LIMIT_REASONS: Readonly<Record<string, string>> = {
  cpu: 'CPU time',
  wall: 'wall time',
  memory: 'memory',
  output: 'output size',
  processes: 'processes',
  file_size: 'file size',
};

/** Why a run ended as it did: the limit it hit, or its exit code or signal. */
function why(run: StageView): string[] {
  if (run.reason && LIMIT_REASONS[run.reason]) return [`limit: ${LIMIT_REASONS[run.reason]}`];
  if (run.signal !== null && run.signal !== undefined) return [`signal ${run.signal}`];
  if (run.exitCode !== null && run.exitCode !== 0) return [`exit code ${run.exitCode}`];
  return [];
}

function stageText(text: string | undefined, truncated: boolean | undefined, exact?: string): string {
  if (!text) return '';
  const notes = [];
  if (truncated) notes.push('… (cut at the output limit)');
  // The text has U+FFFD where the program wrote bytes that are not UTF-8; say so, and where they are.
  if (exact !== undefined)
    notes.push('… (not UTF-8: each � stands for bytes the API keeps exactly in base64)');
  return [text, ...notes].join('\n');
}

function compileText(compile: StageView | undefined): string {
  if (!compile) return '';
  return [compile.stdout, compile.stderr, compile.message].filter(Boolean).join('\n');
}

/** Fills a pane; an empty one shows its placeholder (CSS reads data-empty). */
function setPane(pane: HTMLElement, text: string): void {
  pane.textContent = text;
  pane.classList.toggle('empty', text === '');
}

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function testRow(test: TestView, index: number): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.status = test.status;
  const verdict = cell('');
  const badge = document.createElement('span');
  badge.className = `badge small tone-${statusTone(test.status)}`;
  badge.textContent = statusLabel(test.status);
  verdict.append(badge);
  const notes = [];
  if (test.fraction !== undefined) notes.push(`partial: ${formatShare(test.fraction)} of its points`);
  notes.push(test.hidden ? 'hidden test' : (test.message ?? ''));
  const details = cell(notes.filter(Boolean).join(' · '), 'details');
  if (test.diff) {
    const diff = document.createElement('pre');
    diff.className = 'diff';
    diff.textContent = diffText(test.diff);
    diff.setAttribute('aria-label', `expected and actual output from line ${test.diff.from}`);
    details.append(diff);
  }
  const name = test.name ?? `test ${index + 1}`;
  row.append(
    cell(String(index + 1), 'num'),
    cell(test.group === undefined ? name : `${name} (${test.group})`),
    verdict,
    cell(formatMs(test.cpuMs), 'num'),
    cell(formatMs(test.wallMs), 'num'),
    cell(formatKb(test.memoryKb), 'num'),
    details,
  );
  return row;
}

/** 0.25 as "25%": a checker's partial points. */
function formatShare(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

function groupRow(group: GroupView): HTMLTableRowElement {
  const row = document.createElement('tr');
  const verdict = cell('');
  // Where the problem shows students only the score, a group has no verdict to show.
  if (group.status !== undefined) {
    row.dataset.status = group.status;
    const badge = document.createElement('span');
    badge.className = `badge small tone-${statusTone(group.status)}`;
    badge.textContent = statusLabel(group.status);
    verdict.append(badge);
  }
  row.append(cell(group.id), verdict, cell(`${group.score} / ${group.points}`, 'num'));
  return row;
}
