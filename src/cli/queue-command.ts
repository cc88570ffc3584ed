import type { Command } from 'commander';
import { exitCodeActionWithEnv } from './command-action.js';
import type { QueueStats } from './submit-connection.js';
import { formatMs, table } from './format.js';
import { connect, reportRemoteError, withRemoteOptions, type RemoteOptions } from './submit-connection.js';

export interface QueueCommandOptions extends RemoteOptions {
  json?: boolean;
}

export function registerQueueCommand(program: Command): void {
  withRemoteOptions(program.command('queue').description('summarise the queue of an Arbiter server'))
    .option('--json', 'print the statistics as JSON')
    .action(exitCodeActionWithEnv(queueCommand));
}

/** `arbiter queue`: GET /api/v1/queue as a few lines a person reads at a glance. */
export async function queueCommand(options: QueueCommandOptions, env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const stats = await connect(options, env).queue();
    process.stdout.write(options.json ? `${JSON.stringify(stats, null, 2)}\n` : `${queueSummary(stats)}\n`);
    return 0;
  } catch (error) {
    return reportRemoteError(error);
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function queueSummary(stats: QueueStats): string {
  const { totals, last15Minutes: recent } = stats;
  const rate =
    stats.rateLimitFactor < 1
      ? ` · rate limits lowered to ${Math.round(stats.rateLimitFactor * 100)}% (the queue is filling)`
      : '';
  const lines = [
    `queue:      ${stats.length} waiting (at most ${stats.maxLength}) · ${stats.running} running on ${plural(stats.workers, 'worker')}${rate}`,
    `processed:  ${totals.processed} (${totals.accepted} accepted, ${totals.failed} other verdicts, ${totals.cancelled} cancelled, ${totals.timedOut} timed out waiting)`,
    recent.count === 0
      ? 'last 15 min: nothing finished'
      : `last 15 min: ${recent.count} finished · wait avg ${formatMs(recent.avgWaitMs)}, p95 ${formatMs(recent.p95WaitMs)} · run avg ${formatMs(recent.avgRunMs)}, p95 ${formatMs(recent.p95RunMs)}`,
  ];
  const languages = Object.entries(stats.byLanguage).sort(([a], [b]) => a.localeCompare(b));
  if (languages.length > 0) {
    const rows = [
      ['language', 'waiting', 'running', 'accepted', 'other', 'cancelled', 'avg wait', 'avg run'],
    ];
    for (const [language, { statuses, timings }] of languages) {
      const count = (status: string) => statuses[status] ?? 0;
      const other = Object.entries(statuses)
        .filter(([s]) => !['queued', 'running', 'accepted', 'cancelled'].includes(s))
        .reduce((sum, [, n]) => sum + n, 0);
      rows.push([
        language,
        String(count('queued')),
        String(count('running')),
        String(count('accepted')),
        String(other),
        String(count('cancelled')),
        timings ? formatMs(timings.avgWaitMs) : '-',
        timings ? formatMs(timings.avgRunMs) : '-',
      ]);
    }
    lines.push('', table(rows));
  }
  return lines.join('\n');
}
