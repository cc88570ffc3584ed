// Where settings come from and how bad ones are refused: defaults, then the file, then ARBITER_*
// variables, then flags.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_CONFIG, loadConfig } from './config.js';
import { ArbiterError } from './errors.js';
import { scratchDir } from '../test/helpers/scratch-dir.js';

const dir = scratchDir('arbiter-config-');

function file(settings: Record<string, unknown>): string {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(settings));
  return path;
}

const refused = (pattern: RegExp) => (error: unknown) =>
  error instanceof ArbiterError && error.code === 'ARB_ERR_INPUT_INVALID' && pattern.test(error.message);

test('the file overrides defaults, the environment the file, flags the environment', () => {
  const path = file({ port: 3000, postgresPoolSize: 4, logLevel: 'warn' });
  const config = loadConfig({
    file: path,
    env: { ARBITER_PORT: '4000', ARBITER_POSTGRES_POOL_SIZE: '6' },
    flags: { port: 5000 },
  });
  assert.equal(config.port, 5000);
  assert.equal(config.postgresPoolSize, 6);
  assert.equal(config.logLevel, 'warn');
  assert.equal(loadConfig({}).postgresPoolSize, DEFAULT_CONFIG.postgresPoolSize);
});

test('object settings merge field by field over their defaults', () => {
  const config = loadConfig({ file: file({ priorities: { admin: 50 } }) });
  assert.deepEqual(config.priorities, { ...DEFAULT_CONFIG.priorities, admin: 50 });
  assert.throws(
    () => loadConfig({ file: file({ priorities: { root: 1 } }) }),
    refused(/priorities\.root is not a known field/),
  );
});

test('bad values are refused naming the setting', () => {
  assert.throws(() => loadConfig({ file: file({ nope: 1 }) }), refused(/unknown config setting nope/));
  assert.throws(
    () => loadConfig({ env: { ARBITER_PORT: 'abc' } }),
    refused(/port must be a non-negative number/),
  );
  assert.throws(
    () => loadConfig({ flags: { postgresPoolSize: 0 } }),
    refused(/postgresPoolSize must be a whole number >= 1/),
  );
  assert.throws(
    () => loadConfig({ flags: { workers: 1.5 } }),
    refused(/workers must be a whole number >= 1/),
  );
  assert.throws(() => loadConfig({ file: join(dir, 'missing.json') }), refused(/cannot read config file/));
  assert.throws(
    () => loadConfig({ env: { ARBITER_OVERTAKE_LIMIT: '100001' } }),
    refused(/overtakeLimit must be a whole number from 0 to 100000/),
  );
  assert.throws(
    () => loadConfig({ flags: { overtakeLimit: 2.5 } }),
    refused(/overtakeLimit must be a whole number from 0 to 100000/),
  );
});

test('the overtake limit is a setting: 0 (arrival order) is allowed', () => {
  assert.equal(loadConfig({}).overtakeLimit, DEFAULT_CONFIG.overtakeLimit);
  assert.equal(loadConfig({ env: { ARBITER_OVERTAKE_LIMIT: '0' } }).overtakeLimit, 0);
  assert.equal(loadConfig({ file: file({ overtakeLimit: 50 }) }).overtakeLimit, 50);
});

test('anonymous use is on only while bound to loopback; scale-out API nodes leave programs to workers', () => {
  assert.equal(loadConfig({ flags: { host: '127.0.0.1' } }).anonymous, true);
  assert.equal(loadConfig({ flags: { host: '0.0.0.0' } }).anonymous, false);
  const scaleOut = { redisUrl: 'redis://r', postgresUrl: 'postgres://p' };
  assert.equal(loadConfig({}).runsPrograms, true);
  assert.equal(loadConfig({ flags: scaleOut }).runsPrograms, false);
  assert.equal(loadConfig({ flags: { ...scaleOut, workers: 2 } }).runsPrograms, true);
});
