// docs/configuration.md is generated from src/config.ts by scripts/gen-config-doc.ts. These tests
// fail when the file was not regenerated after a change (run `npm run docs:config`), and check that
// what the generator reads out of the source agrees with what loadConfig does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CONFIG_DOC_PATH,
  isConfigDocCurrent,
  readEnvironmentVariables,
  readInterface,
  readServeFlags,
  renderConfigDoc,
} from '../../scripts/gen-config-doc.js';
import { DEFAULT_CONFIG, loadConfig, type ArbiterConfig } from '../../src/config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('docs/configuration.md is what scripts/gen-config-doc.ts writes (else: npm run docs:config)', () => {
  const written = readFileSync(CONFIG_DOC_PATH, 'utf8');
  assert.equal(
    written,
    renderConfigDoc(),
    'docs/configuration.md is out of date with src/config.ts: run `npm run docs:config`',
  );
});

test('the generator in --check mode exits 0 on the current file', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/gen-config-doc.ts', '--check'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
});

test('a stale or missing file is reported as out of date', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-config-doc-'));
  try {
    const stale = join(dir, 'configuration.md');
    writeFileSync(stale, renderConfigDoc().replace('| `port` |', '| `portNumber` |'));
    assert.equal(isConfigDocCurrent(stale), false);
    assert.equal(isConfigDocCurrent(join(dir, 'missing.md')), false);
    writeFileSync(stale, renderConfigDoc());
    assert.equal(isConfigDocCurrent(stale), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every setting of ArbiterConfig has a row and a description', () => {
  const doc = renderConfigDoc();
  const settings = readInterface('src/config.ts', 'ArbiterConfig');
  assert.ok(settings.length >= 20, `only ${settings.length} settings read`);
  for (const setting of settings) {
    assert.match(doc, new RegExp(`^\\| \`${setting.name}\` \\|`, 'm'), `${setting.name} has no row`);
    assert.notEqual(setting.doc, '', `${setting.name} has no doc comment`);
  }
  for (const key of Object.keys(DEFAULT_CONFIG))
    assert.ok(
      settings.some((s) => s.name === key),
      `DEFAULT_CONFIG.${key} is not in ArbiterConfig`,
    );
});

test('the file does not depend on the machine it was generated on', () => {
  const doc = renderConfigDoc();
  assert.match(doc, /`availableParallelism\(\)` \(computed at start\)/);
  assert.doesNotMatch(doc, new RegExp(`\\| \`${DEFAULT_CONFIG.workers}\` \\| Programs running at once`));
});

/** A value for an environment variable, and how the setting it lands in must then look. */
function sample(key: keyof ArbiterConfig): { text: string; check: (value: unknown) => boolean } {
  if (key === 'anonymous') return { text: 'false', check: (v) => v === false };
  if (key === 'webhookAllowlist')
    return {
      text: 'a.example, 10.0.0.0/8',
      check: (v) => JSON.stringify(v) === '["a.example","10.0.0.0/8"]',
    };
  if (key === 'allowedHosts')
    return {
      text: 'arbiter.example, .example.edu',
      check: (v) => JSON.stringify(v) === '["arbiter.example",".example.edu"]',
    };
  if (key === 'corsOrigins' || key === 'compatCorsOrigins')
    return {
      text: 'https://ide.example, http://localhost:8080',
      check: (v) => JSON.stringify(v) === '["https://ide.example","http://localhost:8080"]',
    };
  if (key === 'judge0StrictBase64') return { text: 'true', check: (v) => v === true };
  if (key === 'webhookSecret') return { text: 'docs-secret', check: (v) => v === 'docs-secret' };
  if (
    key === 'port' ||
    key === 'workers' ||
    typeof DEFAULT_CONFIG[key as keyof typeof DEFAULT_CONFIG] === 'number'
  )
    return { text: '7', check: (v) => v === 7 };
  if (key === 'postgresSchema') return { text: 'docs_schema', check: (v) => v === 'docs_schema' };
  return { text: 'docs-value', check: (v) => typeof v === 'string' && v.endsWith('docs-value') };
}

test('each environment variable in the table sets its setting in loadConfig', () => {
  const variables = readEnvironmentVariables();
  assert.ok(variables.size >= 10, `only ${variables.size} environment variables read`);
  for (const [setting, variable] of variables) {
    assert.match(variable, /^ARBITER_[A-Z0-9_]+$/);
    const key = setting as keyof ArbiterConfig;
    const { text, check } = sample(key);
    const config = loadConfig({ env: { [variable]: text } });
    assert.ok(check(config[key]), `${variable}=${text} gave ${key} = ${JSON.stringify(config[key])}`);
  }
});

test('the serve flags in the table are the ones serve accepts', () => {
  const flags = readServeFlags();
  assert.equal(flags.get('dataDir'), '--data-dir');
  assert.equal(flags.get('redisUrl'), '--redis');
  const help = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--help'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(help.status, 0, help.stderr);
  for (const flag of flags.values())
    assert.ok(help.stdout.includes(`${flag} `), `serve --help lacks ${flag}`);
});
