/** Debian's Chromium as root on a closed network (shared/toolchain.md), with its stock WebRTC settings. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Host candidates as plain addresses, not mDNS names: what most of the suite runs with. */
export const NO_MDNS_ARG = '--disable-features=WebRtcHideLocalIpsWithMdns';
