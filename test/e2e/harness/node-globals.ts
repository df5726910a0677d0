/**
 * What simple-peer 9 (written for browserify) expects of a browser page: Node's `process`, `global`
 * and `Buffer`. Imported before simple-peer, so they exist when its modules run.
 */
import { Buffer } from 'buffer';
import process from 'process/browser.js';

Object.assign(globalThis, { process, global: globalThis, Buffer });
