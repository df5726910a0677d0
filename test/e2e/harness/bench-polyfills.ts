/**
 * What simple-peer (a Node-style package) needs in a page: `global`, `process` and `Buffer`. This
 * module is imported before it, so the globals exist when its modules are evaluated.
 */
import { Buffer } from 'buffer';
// @ts-expect-error process ships no types for its browser build
import process from 'process/browser.js';

const scope = globalThis as Record<string, unknown>;
scope.global = globalThis;
scope.process = process;
scope.Buffer = Buffer;
