// A raw node-datachannel RTCDataChannel pair in this process, loopback: the baseline the Node WebRTC
// benchmarks measure web2p against. node-datachannel wants plain { type, sdp } descriptions.
import { RTCPeerConnection } from 'node-datachannel/polyfill';

export async function rawDataChannelPair() {
  const a = new RTCPeerConnection({ iceServers: [] });
  const b = new RTCPeerConnection({ iceServers: [] });
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate.toJSON());
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate.toJSON());
  const sender = a.createDataChannel('raw', { ordered: true });
  const receiver = new Promise((resolve) => (b.ondatachannel = (e) => resolve(e.channel)));
  const offer = await a.createOffer();
  await a.setLocalDescription({ type: offer.type, sdp: offer.sdp });
  await b.setRemoteDescription({ type: offer.type, sdp: offer.sdp });
  const answer = await b.createAnswer();
  await b.setLocalDescription({ type: answer.type, sdp: answer.sdp });
  await a.setRemoteDescription({ type: answer.type, sdp: answer.sdp });
  await new Promise((resolve) => (sender.readyState === 'open' ? resolve() : (sender.onopen = resolve)));
  const channel = await receiver;
  channel.binaryType = 'arraybuffer';
  return { sender, receiver: channel, close: () => (a.close(), b.close()) };
}
