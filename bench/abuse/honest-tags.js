// Which of the honest sender's tagged broadcasts ('honest <label> <i>') a SyncSocket of bench:abuse
// has received for the current label: the receiving neighbour counts them, and it and the victim
// (which relays them) say which indexes are missing when delivery falls short, so a loss shows
// whether it happened before the victim or after it.
export function honestTags(sock) {
  let label;
  const got = new Set();
  sock.on('message', (msg) => {
    const tag = msg.packets[1];
    if (typeof tag !== 'string' || label === undefined || !tag.startsWith(`honest ${label} `)) return;
    got.add(Number(tag.slice(`honest ${label} `.length)));
  });
  return {
    get label() {
      return label;
    },
    get count() {
      return got.size;
    },
    expect(next) {
      label = next;
      got.clear();
    },
    /** The indexes below `sent` not received (at most `limit` of them). */
    missing(sent, limit = 20) {
      const out = [];
      for (let i = 0; i < sent && out.length < limit; i++) if (!got.has(i)) out.push(i);
      return out;
    },
  };
}
