/** Plain HTTP on the signaling port: /healthz, /metrics, and static files when configured. */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Gauges, Metrics } from './metrics.js';
import { serveStatic } from './static.js';

export interface HttpContext {
  metrics: Metrics;
  gauges(): Gauges;
  /** Canonical static root, or undefined to serve no files. */
  staticRoot: string | undefined;
  onError(error: unknown): void;
}

export function createRequestListener(context: HttpContext): RequestListener {
  return (request, response) => {
    // Guarded like every handler: one bad request must not take the server down.
    respond(context, request, response).catch((error: unknown) => {
      context.onError(error);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('internal error\n');
      else response.destroy();
    });
  };
}

async function respond(context: HttpContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return;
  }
  const path = (request.url ?? '/').split('?', 1)[0];
  if (path === '/healthz') {
    const { backend, ...gauges } = context.gauges();
    // A Redis outage leaves ok true: this instance still serves its own clients (PROTOCOL.md).
    const redis = backend === undefined ? {} : { redis: backend.up ? 'up' : 'down' };
    send(response, request, 'application/json; charset=utf-8', JSON.stringify({ ok: true, ...gauges, ...redis }));
  } else if (path === '/metrics') {
    send(response, request, 'text/plain; version=0.0.4; charset=utf-8', context.metrics.render(context.gauges()));
  } else if (context.staticRoot !== undefined) {
    await serveStatic(context.staticRoot, request, response);
  } else {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: connect a WebSocket to /<room>\n');
  }
}

function send(response: ServerResponse, request: IncomingMessage, contentType: string, body: string): void {
  response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  response.end(request.method === 'HEAD' ? undefined : body);
}
