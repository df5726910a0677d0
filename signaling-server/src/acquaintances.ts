/**
 * Who knows of whom through the server. A joiner is introduced to a sample of the room (its `peers`
 * list), and those members hear `joined` of it; when a member leaves, only its acquaintances hear
 * `left`. Everyone else learns of arrivals and departures through the mesh, so neither a join nor
 * a leave costs the server a frame per member of a large room.
 */
import { randomInt } from 'node:crypto';

/** The prefix of a `joined`/`left` frame as `encodeServerMessage` writes it (type first). */
const JOINED_PREFIX = '{"type":"joined",';
const LEFT_PREFIX = '{"type":"left",';

export class Acquaintances {
  private readonly known = new Set<string>();

  add(id: string): void {
    this.known.add(id);
  }

  ids(): IterableIterator<string> {
    return this.known.values();
  }

  /**
   * Notes an introduction or a departure carried by a frame on its way to this member, and returns
   * the frame. Bounded: a member can be introduced to at most the room's other members.
   */
  note(frame: string): string {
    const joined = frame.startsWith(JOINED_PREFIX);
    if (joined || frame.startsWith(LEFT_PREFIX)) {
      const { id } = JSON.parse(frame) as { id: string };
      if (joined) this.known.add(id);
      else this.known.delete(id);
    }
    return frame;
  }
}

/** Up to `size` of `ids`, chosen uniformly at random, in their original (join) order. */
export function sample(ids: readonly string[], size: number): string[] {
  if (ids.length <= size) return [...ids];
  // Partial Fisher–Yates over positions: O(n) once, fine beside the O(n) list the backend returned.
  const positions = ids.map((_, index) => index);
  for (let i = 0; i < size; i++) {
    const j = i + randomInt(positions.length - i);
    [positions[i], positions[j]] = [positions[j]!, positions[i]!];
  }
  return positions
    .slice(0, size)
    .sort((a, b) => a - b)
    .map((index) => ids[index]!);
}
