export { SimNetwork, type SimNetworkOptions, type SimNode } from './sim-network.js';
export { SimTransport } from './sim-transport.js';
export { SimLink } from './sim-link.js';
export { VirtualClock, VIRTUAL_EPOCH_MS } from './virtual-clock.js';
