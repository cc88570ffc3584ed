import type { FastifyInstance } from 'fastify';
import { errorResponse } from './schemas.js';

/**
 * The routes whose every 4xx and 5xx answer is the error body: the native API and the simple
 * routes. Not Judge0's and Piston's (each answers errors in its own shape) nor /health (its 503 is
 * a health report).
 */
const ERROR_BODY_ROUTES = /^\/(?:api\/v1\/|run$|queue\/)/;

/** A plain copy per route: Fastify compiles each route's response schemas into its serialiser. */
const errorSchema = () => ({ ...errorResponse, required: [...errorResponse.required] });

/**
 * Declares the error body as the 4xx and 5xx response of each native route registered after this
 * call, so the OpenAPI page shows it. A route's own 4xx or 5xx schema, if it has one, is kept.
 */
export function declareErrorResponses(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!ERROR_BODY_ROUTES.test(route.url)) return;
    // New objects, not edits: a schema object may be shared with a route of another API.
    const schema = route.schema ?? {};
    const response = (schema as { response?: Record<string, unknown> }).response ?? {};
    route.schema = { ...schema, response: { '4xx': errorSchema(), '5xx': errorSchema(), ...response } };
  });
}
