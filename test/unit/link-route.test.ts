/** routeOf: one word for how a WebRTC link travels, from the candidate types of ICE's selected pair. */
import { expect, test } from 'vitest';
import { routeOf, type CandidateType } from '../../packages/web2p/src/transport/webrtc/selected-candidate.js';

test.each<[CandidateType, CandidateType, CandidateType]>([
  ['host', 'host', 'host'],
  ['host', 'prflx', 'prflx'], // one host: the peer's checks arrived before its candidates
  ['srflx', 'srflx', 'srflx'], // two cone NATs with STUN
  ['srflx', 'prflx', 'prflx'],
  ['prflx', 'relay', 'relay'], // symmetric NATs: one side reaches the other's relay from its mapping
  ['relay', 'host', 'relay'],
  ['relay', 'relay', 'relay'],
])('local %s, remote %s: %s', (local, remote, route) => {
  expect(routeOf({ local, remote })).toBe(route);
  expect(routeOf({ local: remote, remote: local })).toBe(route);
});
