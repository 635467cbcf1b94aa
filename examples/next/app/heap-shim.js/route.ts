/**
 * Serves examples/web/heap-shim.js (the local stand-in for heap.js that
 * forwards to Local Heap) at /heap-shim.js, the script the snippet loads.
 */
import {readFile} from 'node:fs/promises';

export async function GET(): Promise<Response> {
  const source = await readFile(new URL('../../../web/heap-shim.js', import.meta.url), 'utf8');
  return new Response(source, {
    headers: {'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store'},
  });
}
