import { parseJsonText } from './request-body.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { ArbiterService } from '../service/arbiter-service.js';
import { followScope, type Caller } from '../service/caller.js';
import type { SubmissionEvent } from '../service/events.js';
import { isFinal, toView } from '../service/submission-view.js';
import type { SubmissionRecord } from '../store/types.js';
import { callerOf } from './auth.js';

/** A comment line this often keeps proxies from closing an idle event stream. */
const HEARTBEAT_MS = 15_000;

/** What a push carries: the event, plus the whole result once finished, as the subscriber may see it. */
async function payload(
  arbiter: ArbiterService,
  event: SubmissionEvent,
  caller: Caller,
): Promise<Record<string, unknown>> {
  if (event.type !== 'finished') return { ...event };
  const record = await arbiter.submissions.find(event.id, caller);
  return { ...event, submission: record ? toView(record, null) : undefined };
}

/** SSE for one submission: its state now, then each change; the stream ends after `finished`. */
export function streamSubmissionEvents(
  arbiter: ArbiterService,
  request: FastifyRequest,
  reply: FastifyReply,
  record: SubmissionRecord,
): void {
  const caller = callerOf(request);
  const headers: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': String(request.id),
  };
  for (const [name, value] of Object.entries(reply.getHeaders()))
    if (typeof value === 'string') headers[name] = value;
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, headers);
  let closed = false;
  const send = (name: string, data: unknown) => {
    if (!closed) raw.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  arbiter.subscribers++;
  const close = () => {
    if (closed) return;
    closed = true;
    arbiter.subscribers--;
    unsubscribe();
    clearInterval(heartbeat);
    raw.end();
  };
  // Every write goes through one chain, so the snapshot is always the first event and pushes keep
  // their order even when a `finished` payload needs a store read first.
  let outbox: Promise<void> = Promise.resolve();
  const unsubscribe = arbiter.events.onSubmission(record.id, (event) => {
    outbox = outbox
      .then(() => payload(arbiter, event, caller))
      .catch(() => ({ ...event }))
      .then((data) => {
        send(event.type, data);
        if (event.type === 'finished') close();
      });
  });
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
  request.raw.on('close', close);
  // Read after subscribing, so a change between the two is never missed.
  outbox = (async () => {
    const now = (await arbiter.submissions.find(record.id, caller)) ?? record;
    send('status', toView(now, await arbiter.submissions.position(now.id)));
    if (isFinal(now.status)) close();
  })().catch((error) => {
    request.log.error({ err: error }, 'event stream failed');
    close();
  });
}

interface ClientMessage {
  subscribe?: string[] | 'all';
  unsubscribe?: string[];
}

/**
 * GET /api/v1/ws: one socket, many subscriptions. Send {"subscribe": ["id", ...]} for chosen
 * submissions or {"subscribe": "all"} for every submission of the caller's key (admins: all).
 */
export async function registerWebSocket(app: FastifyInstance): Promise<void> {
  const { arbiter } = app;
  app.get(
    '/api/v1/ws',
    { websocket: true, schema: { summary: 'WebSocket subscriptions to submission events', tags: ['push'] } },
    (socket: WebSocket, request) => {
      const caller = callerOf(request);
      const subscriptions = new Map<string, () => void>();
      arbiter.subscribers++;
      const send = (data: unknown) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(data));
      };
      // Pushes and status snapshots leave in the order they were queued: a subscription's snapshot
      // always precedes its events, whatever store reads each one waits on.
      let outbox: Promise<void> = Promise.resolve();
      const enqueue = (make: () => Promise<unknown>) => {
        outbox = outbox
          .then(make)
          .then(send)
          .catch((error: Error) => send({ type: 'error', message: `not available now: ${error.message}` }));
      };
      const post = (data: unknown) => enqueue(() => Promise.resolve(data));
      const subscribe = (
        name: string,
        listen: (listener: (event: SubmissionEvent) => void) => () => void,
      ) => {
        if (subscriptions.has(name)) return;
        subscriptions.set(
          name,
          listen((event) => enqueue(() => payload(arbiter, event, caller).catch(() => ({ ...event })))),
        );
      };
      const unsubscribeId = (id: unknown) => {
        subscriptions.get(`id:${String(id)}`)?.();
        subscriptions.delete(`id:${String(id)}`);
      };
      socket.on(
        'message',
        (data) =>
          void handleMessage(data).catch((error: Error) =>
            send({ type: 'error', message: `not available now: ${error.message}` }),
          ),
      );
      const handleMessage = async (data: unknown) => {
        let message: ClientMessage;
        try {
          message = parseJsonText(String(data), arbiter.config.maxJsonDepth) as ClientMessage;
        } catch {
          post({
            type: 'error',
            message: 'send JSON such as {"subscribe": ["<id>"]} or {"subscribe": "all"}',
          });
          return;
        }
        if (message.subscribe === 'all') {
          const scope = followScope(caller);
          if (!scope) {
            post({ type: 'error', message: 'subscribing to "all" needs an API key' });
            return;
          }
          if ('all' in scope) subscribe('all', (l) => arbiter.events.onAll(l));
          else subscribe(`key:${scope.keyId}`, (l) => arbiter.events.onKey(scope.keyId, l));
          post({ type: 'subscribed', subscribe: 'all' });
        } else if (Array.isArray(message.subscribe)) {
          for (const id of message.subscribe.slice(0, 1000)) {
            const record = typeof id === 'string' ? await arbiter.submissions.find(id, caller) : null;
            if (!record) {
              post({ type: 'error', id, message: `no submission with id ${String(id)}` });
              continue;
            }
            subscribe(`id:${id}`, (l) => arbiter.events.onSubmission(id, l));
            enqueue(async () => {
              const now = (await arbiter.submissions.find(id, caller)) ?? record;
              // Final already: nothing more will come, so the subscription ends here, as an SSE
              // stream does (events queued before this snapshot still go out after it).
              if (isFinal(now.status)) unsubscribeId(id);
              return { type: 'status', id, submission: toView(now, await arbiter.submissions.position(id)) };
            });
          }
        }
        for (const id of Array.isArray(message.unsubscribe) ? message.unsubscribe : []) unsubscribeId(id);
      };
      socket.on('close', () => {
        arbiter.subscribers--;
        for (const off of subscriptions.values()) off();
        subscriptions.clear();
      });
    },
  );
}
