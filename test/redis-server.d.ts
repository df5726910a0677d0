/** Types of redis-server.js: a throwaway redis-server on loopback for tests and benchmarks. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Kills it at once (an outage, not a shutdown) and resolves once it is gone. */
  stop(): Promise<void>;
}

/** Starts redis-server without persistence on `port` (default: a free one); resolves once it answers PING. */
export function startRedis(port?: number): Promise<RedisServer>;
