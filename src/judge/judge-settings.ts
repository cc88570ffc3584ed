import type { JudgeSettings } from './types.js';

/**
 * Every JudgeSettings key, once. Typed as a record over the keys, so a setting added to
 * JudgeSettings fails to compile here until it is listed, and so reaches the judge.
 */
const JUDGE_SETTING_KEYS: Record<keyof JudgeSettings, true> = {
  grader: true,
  args: true,
  stdin: true,
  limits: true,
  compileLimits: true,
  compilerOptions: true,
  mergeStderr: true,
  tests: true,
  groups: true,
  checker: true,
  checkerLimits: true,
  interactor: true,
  interactorLimits: true,
  stopOnFirstFailure: true,
};

/** The judge's settings out of anything that carries them (a stored request), and nothing else. */
export function pickJudgeSettings(from: JudgeSettings): JudgeSettings {
  const settings: Partial<Record<keyof JudgeSettings, unknown>> = {};
  for (const key of Object.keys(JUDGE_SETTING_KEYS) as (keyof JudgeSettings)[]) settings[key] = from[key];
  return settings as JudgeSettings;
}
