// Which of the honest sender's tagged broadcasts ('honest <label> <i>') a SyncSocket of bench:abuse
// has received for the current label: the receiving neighbour counts them, and it and the victim
// (which relays them) say which indexes are missing when delivery falls short, so a loss shows
// whether it happened before the victim or after it. Answers the parent's 'expect' (a new label,
// acknowledged with 'expecting') and 'missing' (the indexes below `sent` not received).
// `unread`: the socket's messages stay unread (bench:abuse --unread), so none are counted.
export function honestTags(sock, { unread = false } = {}) {
  let label;
  const got = new Set();
  if (!unread) {
    sock.on('message', (msg) => {
      const tag = msg.packets[1];
      if (typeof tag !== 'string' || label === undefined || !tag.startsWith(`honest ${label} `)) return;
      got.add(Number(tag.slice(`honest ${label} `.length)));
    });
  }
  /** The indexes below `sent` not received (at most `limit` of them). */
  const missing = (sent, limit = 20) => {
    const out = [];
    for (let i = 0; i < sent && out.length < limit; i++) if (!got.has(i)) out.push(i);
    return out;
  };
  process.on('message', (message) => {
    if (message.type === 'expect') {
      label = message.label;
      got.clear();
      process.send({ type: 'expecting' });
    }
    if (message.type === 'missing') process.send({ type: 'missing', missing: unread ? 'unread' : missing(message.sent) });
  });
  return {
    get label() {
      return label;
    },
    get count() {
      return got.size;
    },
  };
}
