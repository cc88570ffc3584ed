/**
 * Writes docs/configuration.md from the code, so the settings reference cannot drift from it:
 *
 *   node --import tsx scripts/gen-config-doc.ts           (re)writes docs/configuration.md
 *   node --import tsx scripts/gen-config-doc.ts --check   exits 1 when the file is out of date
 *
 * What comes from where: the settings, their types and descriptions from the ArbiterConfig interface
 * and its JSDoc comments (src/config.ts, read with the TypeScript compiler API); the environment
 * variables from the ENV_KEYS table in the same file; the `arbiter serve` flags from configFromFlags
 * (src/cli/serve-command.ts); the run limits' descriptions from RunLimits (src/sandbox/limits.ts); the
 * default values from DEFAULT_CONFIG itself, imported. A default computed from the machine (the
 * number of cores) is shown as the expression that computes it, so the file is the same everywhere.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { DEFAULT_CONFIG } from '../src/config.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CONFIG_DOC_PATH = join(ROOT, 'docs', 'configuration.md');
const CONFIG_SOURCE = 'src/config.ts';
const LIMITS_SOURCE = 'src/sandbox/limits.ts';
const SERVE_SOURCE = 'src/cli/serve-command.ts';
const CLI_SOURCE = 'src/cli/main.ts';

/** One property of an interface, as written in the source. */
export interface DocumentedProperty {
  name: string;
  /** The type as written, whitespace collapsed. */
  type: string;
  /** The JSDoc comment, on one line; '' when the property has none. */
  doc: string;
  /** Set when the property has no comment of its own and shares the one just above it. */
  sharesDocWith?: string;
}

function parse(relativePath: string): ts.SourceFile {
  const path = join(ROOT, relativePath);
  return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
}

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

function jsDocOf(node: ts.Node): string {
  const parts = ts
    .getJSDocCommentsAndTags(node)
    .filter(ts.isJSDoc)
    .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '');
  return oneLine(parts.join(' '));
}

function find<T extends ts.Node>(root: ts.Node, match: (node: ts.Node) => node is T): T | undefined {
  let found: T | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (match(node)) found = node;
    else ts.forEachChild(node, visit);
  };
  visit(root);
  return found;
}

const propertyName = (name: ts.PropertyName, source: ts.SourceFile): string =>
  ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : name.getText(source);

/**
 * The properties of `interfaceName` in source order. A property without a comment of its own shares
 * the comment of the property above it (src/config.ts documents redisUrl and postgresUrl together).
 */
export function readInterface(relativePath: string, interfaceName: string): DocumentedProperty[] {
  const source = parse(relativePath);
  const declaration = find(
    source,
    (node): node is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(node) && node.name.text === interfaceName,
  );
  if (!declaration) throw new Error(`${relativePath}: no interface ${interfaceName}`);
  const properties: DocumentedProperty[] = [];
  for (const member of declaration.members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const property: DocumentedProperty = {
      name: propertyName(member.name, source),
      type: oneLine(member.type.getText(source)),
      doc: jsDocOf(member),
    };
    const previous = properties.at(-1);
    if (property.doc === '' && previous && previous.doc !== '') {
      property.doc = previous.doc;
      property.sharesDocWith = previous.sharesDocWith ?? previous.name;
    }
    properties.push(property);
  }
  return properties;
}

/** ENV_KEYS of src/config.ts: setting → environment variable. The table is not exported, so it is read. */
export function readEnvironmentVariables(): Map<string, string> {
  const source = parse(CONFIG_SOURCE);
  const declaration = find(
    source,
    (node): node is ts.VariableDeclaration =>
      ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === 'ENV_KEYS',
  );
  const table = declaration?.initializer;
  if (!table || !ts.isObjectLiteralExpression(table))
    throw new Error(`${CONFIG_SOURCE}: ENV_KEYS is not an object literal`);
  const bySetting = new Map<string, string>();
  for (const entry of table.properties) {
    if (!ts.isPropertyAssignment(entry) || !ts.isStringLiteralLike(entry.initializer))
      throw new Error(`${CONFIG_SOURCE}: ENV_KEYS entry ${entry.getText(source)} is not NAME: 'setting'`);
    bySetting.set(entry.initializer.text, propertyName(entry.name, source));
  }
  return bySetting;
}

/**
 * The `arbiter serve` flag of each setting, from configFromFlags's `if (options.X !== undefined)
 * flags.Y = …` lines; commander names option X after the flag --x-in-kebab-case. Each flag found is
 * checked against the option definitions in src/cli/main.ts.
 */
export function readServeFlags(): Map<string, string> {
  const source = parse(SERVE_SOURCE);
  const fn = find(
    source,
    (node): node is ts.FunctionDeclaration =>
      ts.isFunctionDeclaration(node) && node.name?.text === 'configFromFlags',
  );
  if (!fn?.body) throw new Error(`${SERVE_SOURCE}: no function configFromFlags`);
  const cli = readFileSync(join(ROOT, CLI_SOURCE), 'utf8');
  const bySetting = new Map<string, string>();
  for (const statement of fn.body.statements) {
    if (!ts.isIfStatement(statement)) continue;
    const condition = statement.expression;
    const assignment = ts.isExpressionStatement(statement.thenStatement)
      ? statement.thenStatement.expression
      : undefined;
    if (
      !ts.isBinaryExpression(condition) ||
      !ts.isPropertyAccessExpression(condition.left) ||
      !assignment ||
      !ts.isBinaryExpression(assignment) ||
      assignment.operatorToken.kind !== ts.SyntaxKind.EqualsToken ||
      !ts.isPropertyAccessExpression(assignment.left)
    )
      continue;
    const option = condition.left.name.text;
    const setting = assignment.left.name.text;
    const flag = `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (!new RegExp(`'(-\\w, )?${flag} `).test(cli))
      throw new Error(`${SERVE_SOURCE} reads options.${option}, but ${CLI_SOURCE} defines no ${flag}`);
    bySetting.set(setting, flag);
  }
  return bySetting;
}

/** Settings of DEFAULT_CONFIG whose default is computed by a call (the machine's core count): their source. */
export function readComputedDefaults(): Map<string, string> {
  const source = parse(CONFIG_SOURCE);
  const declaration = find(
    source,
    (node): node is ts.VariableDeclaration =>
      ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === 'DEFAULT_CONFIG',
  );
  const literal = declaration && find(declaration, ts.isObjectLiteralExpression);
  if (!literal) throw new Error(`${CONFIG_SOURCE}: DEFAULT_CONFIG has no object literal`);
  const computed = new Map<string, string>();
  for (const entry of literal.properties) {
    if (!ts.isPropertyAssignment(entry)) continue;
    if (find(entry.initializer, ts.isCallExpression))
      computed.set(propertyName(entry.name, source), oneLine(entry.initializer.getText(source)));
  }
  return computed;
}

const cell = (text: string): string => text.replaceAll('|', '\\|');
const code = (text: string): string => `\`${text}\``;

/** A readable hint beside a raw number, from the unit in the setting's name. */
function unitHint(name: string, value: number): string {
  if (/Ms$/.test(name) && value >= 1000) {
    const units: [number, string][] = [
      [3_600_000, 'h'],
      [60_000, 'min'],
      [1000, 's'],
    ];
    const [size, unit] = units.find(([size]) => value % size === 0) ?? [1000, 's'];
    return ` (${value / size} ${unit})`;
  }
  if (/Bytes$/.test(name) && value >= 1024) {
    const units: [number, string][] = [
      [1024 ** 3, 'GiB'],
      [1024 ** 2, 'MiB'],
      [1024, 'KiB'],
    ];
    const [size, unit] = units.find(([size]) => value % size === 0) ?? [1, 'bytes'];
    return ` (${value / size} ${unit})`;
  }
  return '';
}

function renderDefault(name: string, computed: Map<string, string>): string {
  const defaults = DEFAULT_CONFIG as Readonly<Record<string, unknown>>;
  if (computed.has(name)) return `${code(computed.get(name)!)} (computed at start)`;
  if (!(name in defaults)) return '_computed at start_';
  const value = defaults[name];
  if (typeof value === 'number') return code(String(value)) + unitHint(name, value);
  if (typeof value === 'string') return value === '' ? '`""` (unset)' : code(JSON.stringify(value));
  if (name === 'defaultLimits' || name === 'maxLimits') return 'see [Run limits](#run-limits)';
  return code(JSON.stringify(value));
}

function renderType(type: string): string {
  return type === 'RunLimits' ? '[`RunLimits`](#run-limits)' : code(type);
}

/** The whole of docs/configuration.md. */
export function renderConfigDoc(): string {
  const settings = readInterface(CONFIG_SOURCE, 'ArbiterConfig');
  const limits = readInterface(LIMITS_SOURCE, 'RunLimits');
  const envVars = readEnvironmentVariables();
  const flags = readServeFlags();
  const computed = readComputedDefaults();
  const names = new Set(settings.map((s) => s.name));
  for (const [setting, variable] of envVars)
    if (!names.has(setting)) throw new Error(`ENV_KEYS maps ${variable} to ${setting}, not a setting`);
  for (const setting of flags.keys())
    if (!names.has(setting)) throw new Error(`configFromFlags sets ${setting}, not a setting`);

  const defaults = DEFAULT_CONFIG as unknown as Record<'defaultLimits' | 'maxLimits', Record<string, number>>;
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated by scripts/gen-config-doc.ts from src/config.ts: do not edit by hand.',
    '     After changing a setting, run `npm run docs:config`; test/docs/config-doc.test.ts fails until you do. -->',
    '',
    'Every setting of `arbiter serve` and `arbiter worker`. Each is read, in this order, from:',
    '',
    '1. the default below,',
    '2. the JSON file given with `--config file.json` (keys are the setting names: `{"port": 8080}`),',
    '3. its `ARBITER_*` environment variable, where it has one,',
    '4. its command-line flag, where it has one,',
    '',
    'and a later source overrides an earlier one. A bad value (an unknown key in the file, a negative',
    'number, a boolean that is not `true`, `false`, `1` or `0`) stops the start with a message naming it.',
    '',
    'Notes on reading the table:',
    '',
    '- Numbers carry their unit in the name (`…Ms` milliseconds, `…Bytes` bytes, `…PerSec` per second).',
    '- `webhookAllowlist` from the environment is a comma-separated list.',
    '- `arbiter worker` takes `--concurrency` (`-n`) where `serve` takes `--workers`.',
    '- `priorities`, `defaultLimits` and `maxLimits` are objects, set only in the JSON file. An object',
    '  in the file is merged over the default object field by field: name only the fields to change;',
    '  the others keep their defaults. A field the object does not have is refused, naming it.',
    '- Settings without an environment variable or a flag can be set only in the JSON file.',
    '',
    '## Settings',
    '',
    '| setting | environment variable | `serve` flag | type | default | description |',
    '|---|---|---|---|---|---|',
  ];
  for (const setting of settings) {
    const variable = envVars.get(setting.name);
    const flag = flags.get(setting.name);
    const shared = setting.sharesDocWith ? ` (one comment with ${code(setting.sharesDocWith)})` : '';
    lines.push(
      `| ${[
        code(setting.name),
        variable ? code(variable) : '—',
        flag ? code(flag) : '—',
        cell(renderType(setting.type)),
        cell(renderDefault(setting.name, computed)),
        cell(setting.doc === '' ? '_(no doc comment in src/config.ts)_' : setting.doc + shared),
      ].join(' | ')} |`,
    );
  }
  lines.push(
    '',
    '## Run limits',
    '',
    '`defaultLimits` are what a run gets when neither the request nor its problem names a limit;',
    '`maxLimits` are the ceiling no request or problem may exceed (a request above one is refused with',
    '400). Both are `RunLimits` objects (src/sandbox/limits.ts); a request sets any of these fields in',
    'its `limits`. Compiling has limits of its own, larger ones. A language whose runtime needs more',
    "to start (a JVM's memory and threads: `minimumLimits` in src/languages/catalog.ts) always gets its",
    'minimum, even where `maxLimits` is lower: the minimum is part of what the maximum allows.',
    '',
    '| limit | `defaultLimits` | `maxLimits` | description |',
    '|---|---|---|---|',
  );
  for (const limit of limits) {
    lines.push(
      `| ${[
        code(limit.name),
        code(String(defaults.defaultLimits[limit.name])),
        code(String(defaults.maxLimits[limit.name])),
        cell(limit.doc),
      ].join(' | ')} |`,
    );
  }
  lines.push(
    '',
    'A JSON file that lowers the CPU default to one second names that field only; every other',
    'default limit stays as it is:',
    '',
    '```json',
    JSON.stringify({ defaultLimits: { cpuMs: 1000 } }, null, 2),
    '```',
    '',
  );
  return lines.join('\n');
}

/** Whether the file at `path` is what the generator writes now. */
export function isConfigDocCurrent(path = CONFIG_DOC_PATH): boolean {
  let written: string;
  try {
    written = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  return written === renderConfigDoc();
}

function main(args: string[]): number {
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(`unknown arguments ${unknown.join(' ')}; usage: gen-config-doc.ts [--check]\n`);
    return 2;
  }
  if (args.includes('--check')) {
    if (isConfigDocCurrent()) return 0;
    process.stderr.write(
      'docs/configuration.md is out of date with src/config.ts: run `npm run docs:config`\n',
    );
    return 1;
  }
  writeFileSync(CONFIG_DOC_PATH, renderConfigDoc());
  process.stdout.write(`wrote ${CONFIG_DOC_PATH}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
