/** bench:bundle's row for the root entry: every export of 'web2p' kept. */
export * from 'web2p';
