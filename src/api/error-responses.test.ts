import assert from 'node:assert/strict';
import { test } from 'node:test';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ErrorBody } from '../contract.js';
import { ArbiterError } from '../errors.js';
import { declareErrorResponses } from './error-responses.js';
import { sendError } from './error-format.js';

/** A bare app with the error handler and the declared error responses, and one route of each kind. */
async function buildApp(): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(fastifySwagger, { openapi: { info: { title: 't', version: '1' } } });
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  declareErrorResponses(app);
  app.post('/api/v1/full', { schema: { summary: 'native' } }, async () => {
    throw new ArbiterError('QUEUE_FULL', 'the queue is full', { retryAfter: 7 });
  });
  app.get('/api/v1/missing', async () => {
    throw new ArbiterError('SUBMISSION_NOT_FOUND', 'no such submission');
  });
  app.get('/api/v1/kept', { schema: { response: { 200: { type: 'object' } } } }, async () => ({}));
  app.get('/queue/status', async () => {
    throw new ArbiterError('SUBMISSION_NOT_FOUND', 'simple route');
  });
  // Judge0 and /health answer 4xx and 5xx bodies of their own: those must not be filtered.
  app.post('/submissions', async (_request, reply) =>
    reply.code(422).send({ language_id: ["language with id 999 doesn't exist"] }),
  );
  app.get('/health', async (_request, reply) => reply.code(503).send({ status: 'shutting_down' }));
  await app.ready();
  return app;
}

test('a native error answer keeps every field of the error body, retryAfter included', async () => {
  const app = await buildApp();
  try {
    const response = await app.inject({ method: 'POST', url: '/api/v1/full?x=1' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.headers['retry-after'], '7');
    const body = response.json<ErrorBody>();
    assert.deepEqual(Object.keys(body).sort(), [
      'error',
      'message',
      'path',
      'requestId',
      'retryAfter',
      'status',
      'timestamp',
    ]);
    assert.equal(body.error, 'ARB_ERR_QUEUE_FULL');
    assert.equal(body.message, 'the queue is full');
    assert.equal(body.status, 503);
    assert.equal(body.path, '/api/v1/full?x=1');
    assert.equal(body.retryAfter, 7);
    assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
    assert.ok(body.requestId.length > 0);

    const missing = await app.inject({ method: 'GET', url: '/api/v1/missing' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json<ErrorBody>().error, 'ARB_ERR_SUBMISSION_NOT_FOUND');
    assert.equal('retryAfter' in missing.json<ErrorBody>(), false);
  } finally {
    await app.close();
  }
});

test('Judge0 and /health keep their own 4xx and 5xx bodies', async () => {
  const app = await buildApp();
  try {
    const judge0 = await app.inject({ method: 'POST', url: '/submissions' });
    assert.equal(judge0.statusCode, 422);
    assert.deepEqual(judge0.json(), { language_id: ["language with id 999 doesn't exist"] });
    const health = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 503);
    assert.deepEqual(health.json(), { status: 'shutting_down' });
  } finally {
    await app.close();
  }
});

test("the OpenAPI document shows the error body as the native and simple routes' 4XX and 5XX", async () => {
  const app = await buildApp();
  try {
    type Responses = Record<string, { content?: Record<string, { schema?: { properties?: object } }> }>;
    const doc = app.swagger() as unknown as {
      paths: Record<string, Record<string, { responses: Responses }>>;
    };
    const fields = (responses: Responses, code: string) =>
      Object.keys(responses[code]?.content?.['application/json']?.schema?.properties ?? {}).sort();
    const errorFields = ['error', 'message', 'path', 'requestId', 'retryAfter', 'status', 'timestamp'];
    for (const [path, method] of [
      ['/api/v1/full', 'post'],
      ['/api/v1/missing', 'get'],
      ['/api/v1/kept', 'get'],
      ['/queue/status', 'get'],
    ] as const) {
      const responses = doc.paths[path]![method]!.responses;
      assert.deepEqual(fields(responses, '4XX'), errorFields, `${method} ${path} 4XX`);
      assert.deepEqual(fields(responses, '5XX'), errorFields, `${method} ${path} 5XX`);
    }
    assert.ok(doc.paths['/api/v1/kept']!.get!.responses['200'], "a route's own 200 is kept");
    assert.equal(doc.paths['/submissions']!.post!.responses['4XX'], undefined);
    assert.equal(doc.paths['/health']!.get!.responses['5XX'], undefined);
  } finally {
    await app.close();
  }
});
