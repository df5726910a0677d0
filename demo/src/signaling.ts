/**
 * The signaling server that served this page also hosts the rooms (`web2p-signal --static`), so
 * the room URL comes from the page's own origin and the demo needs no configuration.
 */
export function roomUrl(room: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/${room}`;
}
