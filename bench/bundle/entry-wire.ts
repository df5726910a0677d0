/** bench:bundle's row for the wire codec entry: every export of 'web2p/wire' kept. */
export * from 'web2p/wire';
