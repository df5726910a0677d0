/** Ring parameters for ChordSocket (api.md; the seed tutorial's design). Options override them. */

/**
 * Ring of 2**6 = 64 positions by default, as the seed tutorial's `chord_socket(..., k=6)`: room for
 * 64 storing nodes, and a lookup takes at most 6 routed requests.
 */
export const DEFAULT_K = 6;

/** The smallest ring worth having: two positions. */
export const MIN_K = 1;

/**
 * Positions are JS numbers and the arithmetic uses `2 ** k`, which is exact far beyond this; 30 is
 * where we stop because it keeps every position a small integer (below 2**30, so it also survives
 * 32-bit bitwise code) and 2**30 storing nodes is beyond any browser swarm.
 */
export const MAX_K = 30;

/**
 * Each item lives on its responsible node and the next successors, this many copies in all, so
 * that a node leaving or crashing loses nothing: two nodes can fail at once before data is at risk.
 */
export const DEFAULT_REPLICAS = 3;
