/**
 * A RoomBackend shared by every instance connected to one Redis (data model in redis-scripts.ts).
 * Members connected here are also kept in memory, so that this instance serves them (local rooms,
 * local relaying) while Redis is unreachable; when it returns, the next renewal puts them back
 * and announces them. ioredis is loaded only when this backend is used.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { REDIS_COMMAND_TIMEOUT_MS, REDIS_PREFIX, REDIS_RENEWALS_PER_LEASE, REDIS_RETRY_MAX_MS } from './constants.js';
import { encodeServerMessage as encode } from './messages.js';
import { instanceChannel, ROOM_SCRIPTS, roomChannel, roomKeys, type RoomScripts } from './redis-scripts.js';
import type { BackendHealth, JoinResult, RoomBackend, RoomMember } from './rooms.js';

export interface RedisRoomOptions {
  /** `redis://host:port[/db]`. */
  url: string;
  leaseMs: number;
  /** Told about failures that are bugs, not outages (an outage only shows in health()). */
  onError: (error: unknown) => void;
}

type Client = Redis & RoomScripts;

/** Connects to Redis (waiting for the first attempt only: an unreachable Redis is an outage, not fatal). */
export async function openRedisRooms(options: RedisRoomOptions): Promise<RedisRoomBackend> {
  const { Redis } = await import('ioredis');
  const connect = (): Client => {
    const client = new Redis(options.url, {
      lazyConnect: true,
      // While Redis is away, commands fail at once and the instance serves its own clients.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: false, // resubscribed by catchUp(), with the rooms joined during the outage
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 100, REDIS_RETRY_MAX_MS),
    }) as Client;
    for (const [name, script] of Object.entries(ROOM_SCRIPTS)) client.defineCommand(name, script);
    client.on('error', () => {}); // connection errors are outages, reported through health()
    return client;
  };
  const backend = new RedisRoomBackend(connect(), connect(), options);
  await backend.start();
  return backend;
}

export class RedisRoomBackend implements RoomBackend {
  private readonly instance = randomUUID();
  /** This instance's members, per room, in join order. */
  private readonly local = new Map<string, Map<string, RoomMember>>();
  /** Joins in flight plus members, per room: the room channel is subscribed while this is above 0. */
  private readonly interest = new Map<string, { count: number; subscribed: Promise<void> }>();
  /** `room\nid` of local joins whose script has not answered: not renewed, not listed as present. */
  private readonly joining = new Set<string>();
  private readonly renewal: NodeJS.Timeout;
  private up = false;
  private everUp = false;
  private reconnects = 0;
  private closed = false;

  constructor(
    private readonly redis: Client,
    private readonly subscriber: Client,
    private readonly options: RedisRoomOptions,
  ) {
    this.subscriber.on('message', (channel: string, payload: string) => this.guard(() => this.received(channel, payload)));
    for (const client of [redis, subscriber]) {
      client.on('ready', () => void this.catchUp());
      client.on('close', () => (this.up = false));
    }
    this.renewal = setInterval(() => void this.renewAll(), options.leaseMs / REDIS_RENEWALS_PER_LEASE);
  }

  /** First connection attempt of both clients; failures leave them retrying in the background. */
  async start(): Promise<void> {
    await Promise.all([this.redis.connect(), this.subscriber.connect()]).catch(() => {});
    await this.catchUp();
  }

  get localRoomCount(): number {
    return this.local.size;
  }

  health(): BackendHealth {
    return { up: this.up, reconnects: this.reconnects };
  }

  async join(room: string, member: RoomMember, capacity: number): Promise<JoinResult> {
    const here = this.local.get(room) ?? new Map<string, RoomMember>();
    if (here.has(member.id)) return { refused: 'id-taken' };
    // Listed locally before the script runs: an announcement published right after it can reach
    // the subscriber before the script's reply, and must find the newcomer (Session buffers it).
    here.set(member.id, member);
    this.local.set(room, here);
    const key = `${room}\n${member.id}`;
    this.joining.add(key);
    await this.interested(room, +1);
    const [members, leases] = roomKeys(REDIS_PREFIX, room);
    let result: JoinResult;
    try {
      const [joined, swept, ids] = await this.redis.roomJoin(members, leases, member.id, this.instance, this.options.leaseMs, capacity);
      await this.announceLeft(room, swept);
      result = joined === 1 ? { present: ids } : { refused: joined === 2 ? 'room-full' : 'id-taken' };
    } catch {
      // Redis is down: the room is this instance's members until it returns.
      const present = [...here.keys()].filter((id) => id !== member.id && !this.joining.has(`${room}\n${id}`));
      result = present.length >= capacity ? { refused: 'room-full' } : { present };
    } finally {
      this.joining.delete(key);
    }
    if ('refused' in result) await this.leave(room, member.id);
    return result;
  }

  async leave(room: string, id: string): Promise<void> {
    const here = this.local.get(room);
    if (!here?.delete(id)) return;
    if (here.size === 0) this.local.delete(room);
    const [members, leases] = roomKeys(REDIS_PREFIX, room);
    // Unreachable Redis: the lease runs out instead, and whoever sweeps it announces the departure.
    if (!this.closed) await this.redis.roomLeave(members, leases, id, this.instance).catch(() => {});
    await this.interested(room, -1);
  }

  async sendTo(room: string, to: string, frame: string): Promise<boolean> {
    const member = this.local.get(room)?.get(to);
    if (member) {
      member.deliver(frame);
      return true;
    }
    if (this.closed) return false;
    const [members, leases] = roomKeys(REDIS_PREFIX, room);
    const payload = `${room}\n${to}\n${frame}`;
    try {
      return (await this.redis.roomSend(members, leases, to, instanceChannel(REDIS_PREFIX, ''), payload)) === 1;
    } catch {
      return false; // Redis is down: only members here can be reached
    }
  }

  async broadcast(room: string, frame: string, except: string): Promise<void> {
    this.deliverLocal(room, frame, except);
    if (this.closed) return;
    await this.redis.publish(roomChannel(REDIS_PREFIX, room), `${this.instance}\n${except}\n${frame}`).catch(() => {});
  }

  /** Stops renewing, takes this instance's remaining members out of Redis, and disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.renewal);
    const left = [...this.local].flatMap(([room, here]) => [...here.keys()].map((id) => ({ room, id })));
    this.local.clear();
    await Promise.all(
      left.map(async ({ room, id }) => {
        const [members, leases] = roomKeys(REDIS_PREFIX, room);
        if ((await this.redis.roomLeave(members, leases, id, this.instance).catch(() => 0)) !== 1) return;
        await this.redis.publish(roomChannel(REDIS_PREFIX, room), `${this.instance}\n${id}\n${encode({ type: 'left', id })}`).catch(() => {});
      }),
    );
    this.redis.disconnect();
    this.subscriber.disconnect();
  }

  /**
   * Counts interest in a room's channel, subscribing on the first and unsubscribing after the last.
   * Every join waits for the subscription, so no announcement made after its join is missed.
   */
  private async interested(room: string, delta: 1 | -1): Promise<void> {
    const channel = roomChannel(REDIS_PREFIX, room);
    const entry = this.interest.get(room);
    if (delta === 1) {
      if (entry) {
        entry.count++;
        return entry.subscribed;
      }
      const subscribed = this.subscriber.subscribe(channel).then(
        () => {},
        () => {}, // Redis is down: catchUp() subscribes when it returns
      );
      this.interest.set(room, { count: 1, subscribed });
      return subscribed;
    }
    if (!entry || --entry.count > 0) return;
    this.interest.delete(room);
    if (!this.closed) await this.subscriber.unsubscribe(channel).catch(() => {});
  }

  /** When both connections are (again) ready: resubscribe, then put our members back and renew. */
  private async catchUp(): Promise<void> {
    if (this.closed || this.redis.status !== 'ready' || this.subscriber.status !== 'ready') return;
    try {
      await this.subscriber.subscribe(instanceChannel(REDIS_PREFIX, this.instance), ...[...this.interest.keys()].map((room) => roomChannel(REDIS_PREFIX, room)));
      await this.renewAll(true);
    } catch {
      return; // lost again meanwhile: the next 'ready' tries again
    }
    if (this.up) return;
    this.up = true;
    if (this.everUp) this.reconnects++;
    this.everUp = true;
  }

  /** Renews every local member's lease; `strict` rethrows a failure (catchUp must know), else it waits for the next round. */
  private async renewAll(strict = false): Promise<void> {
    if (this.closed) return;
    const rooms = [...this.local].map(([room, here]) => ({ room, ids: [...here.keys()].filter((id) => !this.joining.has(`${room}\n${id}`)) }));
    const results = await Promise.allSettled(
      rooms.map(async ({ room, ids }) => {
        const [members, leases] = roomKeys(REDIS_PREFIX, room);
        const [added, swept] = await this.redis.roomRenew(members, leases, this.instance, this.options.leaseMs, ...ids);
        await this.announceLeft(room, swept);
        for (const id of added) await this.broadcast(room, encode({ type: 'joined', id }), id);
      }),
    );
    const failed = results.find((result) => result.status === 'rejected');
    if (strict && failed) throw failed.reason;
  }

  private async announceLeft(room: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.broadcast(room, encode({ type: 'left', id }), id);
  }

  private received(channel: string, payload: string): void {
    const [head, second, frame] = splitTwice(payload);
    if (channel === instanceChannel(REDIS_PREFIX, this.instance)) {
      // head is the room, second the addressee; one that left since is simply not found.
      this.local.get(head)?.get(second)?.deliver(frame);
    } else if (head !== this.instance) {
      this.deliverLocal(channel.slice(roomChannel(REDIS_PREFIX, '').length), frame, second);
    }
  }

  private deliverLocal(room: string, frame: string, except: string): void {
    for (const member of this.local.get(room)?.values() ?? []) {
      if (member.id !== except) member.deliver(frame);
    }
  }

  private guard(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.options.onError(error);
    }
  }
}

/** Splits at the first two newlines: room names, ids and instance ids never contain one; frames may. */
function splitTwice(payload: string): [string, string, string] {
  const first = payload.indexOf('\n');
  const second = payload.indexOf('\n', first + 1);
  return [payload.slice(0, first), payload.slice(first + 1, second), payload.slice(second + 1)];
}
