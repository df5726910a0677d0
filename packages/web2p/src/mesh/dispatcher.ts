/**
 * Who handles a message: the service that owns its sub-flag, else the user's handlers in the order
 * they were added, else the recv() queue (broadcast and whisper sub-flags only, as py2p). Ownership
 * is settled when a service registers: a second claim on a sub-flag throws there and then, so which
 * code runs never depends on the order things were set up in.
 */
import { FrameError, Web2pError } from '../errors.js';
import { flags } from '../wire/flags.js';
import type { Connection } from './connection.js';
import type { DebugLog } from './debug.js';
import type { Message } from './message.js';
import type { Service, SubFlag } from './service.js';

/** A handler sees every message no service claimed; returning truthy claims it. */
export type Handler = (msg: Message, conn: Connection) => boolean | void | undefined;

export interface DispatcherHost {
  readonly debug: DebugLog;
  /** A message nobody claimed, for recv(). */
  unclaimed(msg: Message): void;
  /** A service or handler failed on a well-formed message (it is not the peer's fault). */
  error(error: Error): void;
}

export class Dispatcher {
  private readonly owners = new Map<SubFlag, Service>();
  private readonly handlers: Handler[] = [];

  constructor(private readonly host: DispatcherHost) {}

  /** Gives `service` its sub-flags; throws (claiming none) if another service owns one of them. */
  register(service: Service): void {
    for (const subFlag of service.subFlags) {
      const owner = this.owners.get(subFlag);
      if (owner) {
        throw new Web2pError(`sub-flag ${JSON.stringify(subFlag)} is claimed by both ${owner.name} and ${service.name}; each sub-flag has one service`);
      }
    }
    for (const subFlag of service.subFlags) this.owners.set(subFlag, service);
  }

  /**
   * Adds a handler after the earlier ones. It must take exactly two parameters `(msg, conn)`, as
   * py2p requires; `fn.length` does not count rest or defaulted parameters.
   */
  addHandler(handler: Handler): void {
    if (typeof handler !== 'function' || handler.length !== 2) {
      throw new TypeError(
        `a handler must be a function of exactly two parameters (msg, conn); this one takes ${typeof handler === 'function' ? handler.length : 'none'}`,
      );
    }
    this.handlers.push(handler);
  }

  /** Lets the service owning a broadcast's sub-flag refuse it before it is relayed (Service.vet). */
  vet(msg: Message, conn: Connection): boolean {
    const subFlag = msg.wire.payload[0];
    const owner = typeof subFlag === 'number' || typeof subFlag === 'string' ? this.owners.get(subFlag) : undefined;
    return owner?.vet?.(msg, conn) ?? true;
  }

  /** Runs the message through its owner or the handlers. A FrameError (malformed input) propagates: the peer is dropped. */
  dispatch(msg: Message, conn: Connection): void {
    const subFlag = msg.wire.payload[0];
    const { debug } = this.host;
    const tracing = debug.enabled(4); // no closures per handler per message unless printing
    const owner = typeof subFlag === 'number' || typeof subFlag === 'string' ? this.owners.get(subFlag) : undefined;
    if (owner) {
      // py2p's level 4 traces every handler; a service is the handler of its sub-flags.
      if (tracing) debug.print(4, () => `entering handler ${owner.name}`);
      this.guarded((m, c) => owner.handle(m, c), msg, conn, owner.name);
      if (tracing) debug.print(4, () => `leaving handler ${owner.name}`);
      return;
    }
    for (const handler of this.handlers) {
      if (tracing) debug.print(4, () => `entering handler ${handlerName(handler)}`);
      const claimed = this.guarded(handler, msg, conn);
      if (claimed === undefined) return; // it threw: reported, and the message goes no further
      if (tracing) debug.print(4, () => `leaving handler ${handlerName(handler)}`);
      if (claimed || conn.closed) return;
    }
    if (subFlag === flags.broadcast || subFlag === flags.whisper) this.host.unclaimed(msg);
    else if (tracing) debug.print(4, () => `ignoring unclaimed sub-flag ${String(subFlag)}`);
  }

  /**
   * Runs `fn(msg, conn)`: whether it claimed the message, or undefined when it threw (reported as
   * 'error'). Called without a closure and the handler's name read only on failure: both cost a
   * whisper's round trip microseconds per message (bench:browser).
   */
  private guarded(fn: Handler, msg: Message, conn: Connection, name?: string): boolean | undefined {
    try {
      return Boolean(fn(msg, conn));
    } catch (error) {
      if (error instanceof FrameError) throw error; // the peer's input was malformed
      this.host.debug.print(0, () => `handler ${name ?? handlerName(fn)} threw: ${String(error)}`);
      this.host.error(error instanceof Error ? error : new Web2pError(String(error)));
      return undefined;
    }
  }
}

/** A handler's name, for traces and errors. */
function handlerName(handler: Handler): string {
  return handler.name || '(anonymous)';
}
