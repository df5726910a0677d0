/** bench:bundle's floor: an app that imports only `flags` from the root entry pays for nothing else. */
import { flags } from 'web2p';

export const broadcast = flags.broadcast;
