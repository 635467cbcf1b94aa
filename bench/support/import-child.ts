/**
 * Run in a fresh `node` process by the cold-start benchmark: imports one built
 * module, checks it exports `handler`, and prints how long the import took.
 */
import {pathToFileURL} from 'node:url';
import {peakRssKb} from './peak-rss.ts';

const target = process.argv[2];
if (!target) throw new Error('usage: node bench/support/import-child.ts <module.js>');
const t0 = performance.now();
const mod = (await import(pathToFileURL(target).href)) as {handler?: unknown};
const importMs = performance.now() - t0;
if (typeof mod.handler !== 'function') throw new Error(`${target} does not export a handler function`);
process.stdout.write(`${JSON.stringify({importMs, maxRssKb: peakRssKb()})}\n`);
