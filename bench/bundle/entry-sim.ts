/** bench:bundle's row for the simulator entry: every export of 'web2p/sim' kept. */
export * from 'web2p/sim';
