import { isArbiterError } from '../../errors.js';
import { parseChecker } from '../../judge/checkers.js';
import {
  CHECKER_PROTOCOLS,
  FEEDBACK_LEVELS,
  GROUP_AGGREGATIONS,
  type CheckerProtocol,
  type CheckerSpec,
  type Feedback,
  type GroupAggregation,
} from '../../judge/types.js';
import { LIMIT_NAMES, type RunLimits } from '../../sandbox/limits.js';
import { MAX_PACKAGE_TESTS } from '../imported-problem.js';
import { ARBITER_SECTION } from '../kattis-layout.js';
import { describeValue, type YamlFile } from '../yaml-file.js';

/**
 * problem.yaml's `arbiter` section: Arbiter's own settings, written by its export so that a
 * problem exported and imported again loses nothing the Kattis format cannot say. Each field is
 * checked as hostile input: a package is an upload like any other.
 */

/** A language id, as the registry spells them. */
export const LANGUAGE_ID = /^[a-z0-9][a-z0-9+#._-]{0,63}$/;

/** Most entries in one list or map of the arbiter section. */
const MAX_SECTION_ENTRIES = MAX_PACKAGE_TESTS;

/** A group's settings that testdata.yaml cannot say. */
export interface GroupSettings {
  aggregation?: GroupAggregation;
  dependsOn?: string[];
}

/** A grader's settings that include/<language>/ cannot say. */
export interface GraderSettings {
  entry?: string;
  sourceFile?: string;
}

export interface ArbiterSection {
  feedback?: Feedback;
  limits?: Partial<RunLimits>;
  /** A built-in checker, where the Kattis default validator's flags cannot say it. */
  checker?: CheckerSpec;
  /** A custom checker's protocol, when it is not the Kattis one. */
  checkerProtocol?: CheckerProtocol;
  /** A custom checker's language, when its extension does not say it. */
  checkerLanguage?: string;
  /** Paths of include/ files students see (Arbiter's `visible`); the rest are hidden. */
  visibleFiles: Set<string>;
  /** Paths of include/default/ files that are data, not sources to compile, whatever their extension. */
  plainFiles: Set<string>;
  /** `output-only`: the problem is (Arbiter's export of a problem whose submissions are outputs). */
  type?: 'output-only';
  /** An output-only problem's test names by their path under data/ (null: the test has none). */
  names: Map<string, string | null>;
  /** Each grader's entry and source file name, by language id. */
  graders: Map<string, GraderSettings>;
  groups: Map<string, GroupSettings>;
  weights: Map<string, number>;
  visible: Set<string>;
  hidden: Set<string>;
  languages: Map<string, string>;
}

type Keys = (string | number)[];

/** Reads one field of the section, whole, from its YAML `value` at `keys`. */
type FieldReader<Value> = (yaml: YamlFile, keys: Keys, value: unknown) => Value;

/** The reader of each field; a key without one is refused. */
const FIELD_READERS: { [Key in keyof ArbiterSection]-?: FieldReader<ArbiterSection[Key]> } = {
  feedback: (yaml, keys, value) => oneOf(yaml, keys, value, FEEDBACK_LEVELS),
  limits: readLimits,
  checker: readBuiltInChecker,
  checkerProtocol: (yaml, keys, value) => oneOf(yaml, keys, value, CHECKER_PROTOCOLS),
  checkerLanguage: languageId,
  visibleFiles: nameSet,
  plainFiles: nameSet,
  type: outputOnly,
  names: readTestNames,
  graders: (yaml, keys, value) =>
    settingsById(yaml, keys, value, 'grader', { entry: fileName, sourceFile: fileName }, languageId),
  groups: (yaml, keys, value) =>
    settingsById(yaml, keys, value, 'group', {
      aggregation: (yaml, keys, setting) => oneOf(yaml, keys, setting, GROUP_AGGREGATIONS),
      dependsOn: stringList,
    }),
  weights: readWeights,
  visible: nameSet,
  hidden: nameSet,
  languages: readLanguageIds,
};

/** The arbiter section of problem.yaml; empty when there is none. */
export function readArbiterSection(yaml: YamlFile): ArbiterSection {
  const section: ArbiterSection = {
    groups: new Map(),
    weights: new Map(),
    visible: new Set(),
    hidden: new Set(),
    languages: new Map(),
    visibleFiles: new Set(),
    plainFiles: new Set(),
    names: new Map(),
    graders: new Map(),
  };
  const raw = yaml.get(ARBITER_SECTION);
  if (raw === undefined || raw === null) return section;
  for (const [key, value] of Object.entries(mapping(yaml, [ARBITER_SECTION], raw))) {
    if (!Object.hasOwn(FIELD_READERS, key))
      throw yaml.invalid([ARBITER_SECTION, key], 'is not an Arbiter setting');
    const field = key as keyof ArbiterSection;
    (section as unknown as Record<string, unknown>)[field] = FIELD_READERS[field](
      yaml,
      [ARBITER_SECTION, key],
      value,
    );
  }
  return section;
}

/** A mapping of at most MAX_SECTION_ENTRIES entries. */
function mapping(yaml: YamlFile, keys: Keys, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw yaml.invalid(keys, `must be a mapping; got ${describeValue(value)}`);
  }
  if (Object.keys(value).length > MAX_SECTION_ENTRIES)
    throw yaml.invalid(keys, `has more than ${MAX_SECTION_ENTRIES} entries`);
  return value as Record<string, unknown>;
}

/**
 * A mapping of ids (groups, graders) to their settings, each setting read by its reader in
 * `readers`; a setting not among them is refused naming the ones there are. `idOf` checks an id.
 */
function settingsById<Settings extends object>(
  yaml: YamlFile,
  keys: Keys,
  value: unknown,
  what: string,
  readers: { [Name in keyof Settings]-?: FieldReader<Settings[Name]> },
  idOf: FieldReader<string> = (_yaml, _keys, id) => id as string,
): Map<string, Settings> {
  const names = Object.keys(readers) as (keyof Settings & string)[];
  const byId = new Map<string, Settings>();
  for (const [id, settings] of Object.entries(mapping(yaml, keys, value))) {
    const read = {} as Settings;
    for (const [name, setting] of Object.entries(mapping(yaml, [...keys, id], settings))) {
      const reader = (names as string[]).includes(name) ? readers[name as keyof Settings] : undefined;
      if (!reader) throw yaml.invalid([...keys, id, name], `is not a ${what} setting (${names.join(', ')})`);
      read[name as keyof Settings] = reader(yaml, [...keys, id, name], setting);
    }
    byId.set(idOf(yaml, [...keys, id], id), read);
  }
  return byId;
}

/** Test weights by test path: numbers >= 0. */
function readWeights(yaml: YamlFile, keys: Keys, value: unknown): Map<string, number> {
  const weights = new Map<string, number>();
  for (const [name, weight] of Object.entries(mapping(yaml, keys, value))) {
    if (!(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0)) {
      throw yaml.invalid([...keys, name], 'must be a number >= 0');
    }
    weights.set(name, weight);
  }
  return weights;
}

/** An output-only problem's test names by test path: a name, or null for a test without one. */
function readTestNames(yaml: YamlFile, keys: Keys, value: unknown): Map<string, string | null> {
  const names = new Map<string, string | null>();
  for (const [path, name] of Object.entries(mapping(yaml, keys, value))) {
    if (name !== null && !(typeof name === 'string' && name.length > 0 && name.length <= 300))
      throw yaml.invalid([...keys, path], 'must be a test name or null');
    names.set(path, name);
  }
  return names;
}

/** Reference solutions' languages by their path under submissions/, where the extension cannot say. */
function readLanguageIds(yaml: YamlFile, keys: Keys, value: unknown): Map<string, string> {
  const languages = new Map<string, string>();
  for (const [name, language] of Object.entries(mapping(yaml, keys, value))) {
    languages.set(name, languageId(yaml, [...keys, name], language));
  }
  return languages;
}

function fileName(yaml: YamlFile, keys: Keys, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255)
    throw yaml.invalid(keys, 'must be a file name');
  return value;
}

function outputOnly(yaml: YamlFile, keys: Keys, value: unknown): 'output-only' {
  if (value !== 'output-only') throw yaml.invalid(keys, 'must be output-only');
  return value;
}

function oneOf<Value extends string>(
  yaml: YamlFile,
  keys: Keys,
  value: unknown,
  values: readonly Value[],
): Value {
  if (!(values as readonly unknown[]).includes(value)) {
    throw yaml.invalid(keys, `must be one of ${values.join(', ')}`);
  }
  return value as Value;
}

function readLimits(yaml: YamlFile, keys: Keys, value: unknown): Partial<RunLimits> {
  const limits: Partial<RunLimits> = {};
  for (const [name, amount] of Object.entries(mapping(yaml, keys, value))) {
    if (!(LIMIT_NAMES as readonly string[]).includes(name))
      throw yaml.invalid([...keys, name], 'is not a limit');
    if (!(Number.isSafeInteger(amount) && (amount as number) > 0)) {
      throw yaml.invalid([...keys, name], 'must be a whole number > 0');
    }
    limits[name as keyof RunLimits] = amount as number;
  }
  return limits;
}

/** A built-in checker (a custom one is the package's output validator). */
function readBuiltInChecker(yaml: YamlFile, keys: Keys, value: unknown): CheckerSpec {
  const type = (value as { type?: unknown } | null)?.type;
  if (type === 'custom')
    throw yaml.invalid(keys, 'must be a built-in checker (a custom one is output_validators/)');
  try {
    return parseChecker(value);
  } catch (error) {
    if (isArbiterError(error, 'INVALID_INPUT'))
      throw yaml.invalid(keys, `is not a checker: ${error.message}`);
    throw error;
  }
}

function nameSet(yaml: YamlFile, keys: Keys, value: unknown): Set<string> {
  return new Set(stringList(yaml, keys, value));
}

function stringList(yaml: YamlFile, keys: Keys, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.length > 300)) {
    throw yaml.invalid(keys, 'must be a list of names');
  }
  if (value.length > MAX_SECTION_ENTRIES)
    throw yaml.invalid(keys, `has more than ${MAX_SECTION_ENTRIES} entries`);
  return value as string[];
}

function languageId(yaml: YamlFile, keys: Keys, value: unknown): string {
  if (typeof value !== 'string' || !LANGUAGE_ID.test(value))
    throw yaml.invalid(keys, 'must be a language id');
  return value;
}
