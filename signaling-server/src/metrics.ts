/** Counters behind /metrics (Prometheus text format 0.0.4) and /healthz. */
import { ERROR_CODES } from './messages.js';
import type { BackendHealth } from './rooms.js';

/** Why a connection ended: the `reason` label of web2p_signal_connections_closed_total. */
export const CLOSE_REASONS = [
  'client', // the client closed or its connection was lost
  'heartbeat', // it missed a heartbeat and was cut off
  'too-big', // a frame exceeded maxPayload
  'protocol-error', // any other WebSocket framing error (bad opcode, invalid UTF-8, ...)
  'rate-limit',
  'abuse', // too many invalid messages
  'join-timeout',
  'bad-room',
  'internal', // the server failed while handling it
  'shutdown',
  'slow-reader', // more than maxBufferedBytes waited for it to read
  'server-full', // refused: maxConnections reached
  'ip-limit', // refused: maxConnectionsPerIp reached for its address
  'origin', // refused: its page's Origin is not allowed
  'replaced', // its id's owner joined again on a new connection, with a proof
] as const;

export type CloseReason = (typeof CLOSE_REASONS)[number];

/** The `reason` label of web2p_signal_errors_total: every error frame code, plus internal failures. */
export type ErrorReason = (typeof ERROR_CODES)[number] | 'internal';

/** Gauges read from the live server when the metrics are rendered. */
export interface Gauges {
  clients: number;
  rooms: number;
  /** Present only with a shared backend (Redis). */
  backend?: BackendHealth | undefined;
}

export class Metrics {
  private relayed = 0;
  // Every label value starts at zero so each series exists from the first scrape.
  private readonly errors = new Map<ErrorReason, number>([...ERROR_CODES, 'internal' as const].map((r) => [r, 0]));
  private readonly closes = new Map<CloseReason, number>(CLOSE_REASONS.map((r) => [r, 0]));

  relay(): void {
    this.relayed++;
  }

  error(reason: ErrorReason): void {
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
  }

  closed(reason: CloseReason): void {
    this.closes.set(reason, (this.closes.get(reason) ?? 0) + 1);
  }

  render({ clients, rooms, backend }: Gauges): string {
    return [
      ...family('web2p_signal_clients', 'gauge', 'Open WebSocket connections.', [['', clients]]),
      ...family('web2p_signal_rooms', 'gauge', 'Rooms with at least one member on this instance.', [['', rooms]]),
      ...family('web2p_signal_messages_relayed_total', 'counter', 'Signal messages delivered to a peer.', [
        ['', this.relayed],
      ]),
      ...family('web2p_signal_errors_total', 'counter', 'Error frames sent and internal failures, by reason.', labelled(this.errors)),
      ...family('web2p_signal_connections_closed_total', 'counter', 'Connections ended, by reason.', labelled(this.closes)),
      ...(backend === undefined
        ? []
        : [
            ...family('web2p_signal_redis_up', 'gauge', 'Whether Redis is reachable (1) or this instance serves only its own clients (0).', [
              ['', backend.up ? 1 : 0],
            ]),
            ...family('web2p_signal_redis_reconnects_total', 'counter', 'Times the link to Redis came back after being lost.', [
              ['', backend.reconnects],
            ]),
          ]),
      '',
    ].join('\n');
  }
}

/** Sample lines as [label set, value]; label values here are fixed identifiers, so need no escaping. */
type Samples = Array<[labels: string, value: number]>;

function family(name: string, type: 'gauge' | 'counter', help: string, samples: Samples): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map(([labels, value]) => `${name}${labels} ${value}`)];
}

function labelled(counts: ReadonlyMap<string, number>): Samples {
  return [...counts].map(([reason, value]) => [`{reason="${reason}"}`, value]);
}
