import Link from 'next/link';
import Script from 'next/script';
import type {ReactNode} from 'react';
import {HEAP_SNIPPET_CONFIG, heapAppId} from '../lib/heap.ts';

export const metadata = {title: 'sanity-heap Next.js example'};

/**
 * Heap's classic snippet, unchanged except for the script it loads: the real
 * one loads https://cdn.heapanalytics.com/js/heap-<app id>.js, this one the
 * local shim (/heap-shim.js, which forwards to Local Heap). `beforeInteractive`
 * puts it before Next's own scripts, so `window.heap` exists before any
 * component's effect runs.
 */
function snippet(appId: string): string {
  const args = [appId, HEAP_SNIPPET_CONFIG].map((v) => JSON.stringify(v).replaceAll('<', '\\u003c')).join(', ');
  return `window.heap=window.heap||[],heap.load=function(e,t){window.heap.appid=e,window.heap.config=t=t||{};var r=document.createElement("script");r.type="text/javascript",r.async=!0,r.src="/heap-shim.js";var a=document.getElementsByTagName("script")[0];a.parentNode.insertBefore(r,a);for(var n=function(e){return function(){heap.push([e].concat(Array.prototype.slice.call(arguments,0)))}},p=["addEventProperties","addUserProperties","clearEventProperties","identify","resetIdentity","removeEventProperty","setEventProperties","track","unsetEventProperty"],o=0;o<p.length;o++)heap[p[o]]=n(p[o])};heap.load(${args});`;
}

export default function RootLayout({children}: {children: ReactNode}) {
  return (
    <html lang="en">
      <body style={{font: '16px/1.5 system-ui, sans-serif', maxWidth: '40rem', margin: '2rem auto', padding: '0 1rem'}}>
        <Script id="heap-snippet" strategy="beforeInteractive">
          {snippet(heapAppId())}
        </Script>
        <nav>
          <Link href="/">All articles</Link>
        </nav>
        <main>{children}</main>
      </body>
    </html>
  );
}
