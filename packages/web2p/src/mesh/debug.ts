/**
 * py2p's debug levels (PROTOCOL.md §4.11): a line prints when its level is at most `debugLevel`.
 * 0 unhandled exceptions; 1 connect, disconnect, accept, received packets, conflicts; 2 handshake
 * and compression, waterfall new/expired/duplicate; 3 not rebroadcasting; 4 every send, handler
 * entry and exit, ignored sub-flags; 5 chord data migration; 6 raw received bytes.
 */
export type LogSink = (line: string) => void;

export class DebugLog {
  constructor(
    private readonly level: number,
    private readonly prefix: () => string,
    private readonly sink: LogSink,
  ) {}

  enabled(level: number): boolean {
    return level <= this.level;
  }

  /** `text` is a function so that lines above the level cost nothing to skip. */
  print(level: number, text: () => string): void {
    if (level <= this.level) this.sink(`[${this.prefix()}] ${text()}`);
  }
}
