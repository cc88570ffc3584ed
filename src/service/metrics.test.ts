import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArbiterMetrics } from './metrics.js';

test("each cache's hits and misses are read at scrape time, as gauges of their own", async () => {
  const compile = { hits: 11, misses: 13 };
  const metrics = new ArbiterMetrics({
    queueLength: () => 3,
    running: () => 2,
    rateFactor: () => 1,
    resultCache: () => ({ hits: 5, misses: 7 }),
    compileCache: () => compile,
    sandbox: () => ({ rebuilt: 1, slots: 4 }),
    subscribers: () => 9,
  });
  compile.hits = 12;
  const text = await metrics.registry.metrics();
  const value = (name: string) => new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
  assert.equal(value('arbiter_result_cache_hits'), '5');
  assert.equal(value('arbiter_result_cache_misses'), '7');
  assert.equal(value('arbiter_compile_cache_hits'), '12');
  assert.equal(value('arbiter_compile_cache_misses'), '13');
  assert.match(text, /^# HELP arbiter_compile_cache_hits Compiles skipped thanks to the compile cache\.$/m);
});
