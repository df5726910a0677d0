/**
 * The Redis data model of the shared room backend, as key names and Lua scripts. Each script runs
 * atomically in Redis, so a join's check-and-snapshot, a relay's lookup-and-publish and a lease
 * sweep cannot interleave with another instance's. Times come from Redis's own clock (TIME), so
 * instances need not agree on theirs.
 *
 * Per room, two keys, both given a TTL of one lease on every write (so a room whose instances all
 * died vanishes by itself):
 * - `<prefix>room:<room>:members`, a hash: member id -> `<join stamp in µs> <instance id>`;
 * - `<prefix>room:<room>:leases`, a sorted set: member id -> lease deadline in ms. An instance
 *   renews the leases of its own members; an expired one is a member of a dead instance, and
 *   whichever instance sweeps first removes it and announces its departure.
 * Channels: `<prefix>room:<room>` carries joined/left to every instance with members in the room;
 * `<prefix>instance:<id>` carries signals addressed to that instance's members.
 */

export function roomKeys(prefix: string, room: string): [members: string, leases: string] {
  return [`${prefix}room:${room}:members`, `${prefix}room:${room}:leases`];
}

export function roomChannel(prefix: string, room: string): string {
  return `${prefix}room:${room}`;
}

export function instanceChannel(prefix: string, instance: string): string {
  return `${prefix}instance:${instance}`;
}

/** Shared head of every script: `now` in ms from Redis's clock, and how to read a members value. */
const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stamp = string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2]))
local function owner(value) return string.sub(value, string.find(value, ' ', 1, true) + 1) end
local function sweep()
  local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
  for _, id in ipairs(expired) do redis.call('HDEL', KEYS[1], id) end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  return expired
end
local function keep(lease)
  redis.call('PEXPIRE', KEYS[1], lease)
  redis.call('PEXPIRE', KEYS[2], lease)
end
`;

/** Lua scripts in ioredis `defineCommand` form; the typed calls are `RoomScripts` below. */
export const ROOM_SCRIPTS = {
  /**
   * KEYS members, leases; ARGV id, instance, leaseMs, capacity. Sweeps, then adds `id` unless
   * present or the room is full. Returns { joined (1; 0 id taken; 2 full), swept ids, ids present
   * before, oldest first }.
   */
  roomJoin: {
    numberOfKeys: 2,
    lua: `${PRELUDE}
local swept = sweep()
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return {0, swept, {}} end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then return {2, swept, {}} end
local all = redis.call('HGETALL', KEYS[1])
local present = {}
for i = 1, #all, 2 do
  local value = all[i + 1]
  present[#present + 1] = {tonumber(string.sub(value, 1, string.find(value, ' ', 1, true) - 1)), all[i]}
end
table.sort(present, function(a, b) if a[1] == b[1] then return a[2] < b[2] end return a[1] < b[1] end)
local ids = {}
for i, entry in ipairs(present) do ids[i] = entry[2] end
redis.call('HSET', KEYS[1], ARGV[1], stamp .. ' ' .. ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
keep(ARGV[3])
return {1, swept, ids}`,
  },
  /** KEYS members, leases; ARGV id, instance. Removes `id` if this instance holds it; returns 1 if so. */
  roomLeave: {
    numberOfKeys: 2,
    lua: `${PRELUDE}
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value or owner(value) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`,
  },
  /**
   * KEYS members, leases; ARGV instance, leaseMs, id... (this instance's members of the room).
   * Renews their leases, re-adds any that are missing (Redis restarted empty, or a lease ran out
   * while we were cut off), then sweeps. Returns { re-added ids, swept ids }.
   */
  roomRenew: {
    numberOfKeys: 2,
    lua: `${PRELUDE}
local added = {}
for i = 3, #ARGV do
  local value = redis.call('HGET', KEYS[1], ARGV[i])
  if not value then
    redis.call('HSET', KEYS[1], ARGV[i], stamp .. ' ' .. ARGV[1])
    added[#added + 1] = ARGV[i]
  end
  if not value or owner(value) == ARGV[1] then redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[i]) end
end
local swept = sweep()
keep(ARGV[2])
return {added, swept}`,
  },
  /**
   * KEYS members, leases; ARGV to, channel prefix, payload. Publishes `payload` on the channel of
   * the instance holding `to`, if its lease is live; returns 1 if so.
   */
  roomSend: {
    numberOfKeys: 2,
    lua: `${PRELUDE}
local value = redis.call('HGET', KEYS[1], ARGV[1])
local lease = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not value or not lease or tonumber(lease) <= now then return 0 end
redis.call('PUBLISH', ARGV[2] .. owner(value), ARGV[3])
return 1`,
  },
} as const;

/** The scripts as ioredis exposes them once defined. */
export interface RoomScripts {
  roomJoin(
    members: string,
    leases: string,
    id: string,
    instance: string,
    leaseMs: number,
    capacity: number,
  ): Promise<[0 | 1 | 2, string[], string[]]>;
  roomLeave(members: string, leases: string, id: string, instance: string): Promise<0 | 1>;
  roomRenew(members: string, leases: string, instance: string, leaseMs: number, ...ids: string[]): Promise<[string[], string[]]>;
  roomSend(members: string, leases: string, to: string, channelPrefix: string, payload: string): Promise<0 | 1>;
}
