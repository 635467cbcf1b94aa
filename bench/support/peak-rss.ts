/**
 * Peak resident memory of THIS process in KiB. On Linux from /proc/self/status
 * (VmHWM): `process.resourceUsage().maxRSS` is inherited across fork+exec, so
 * a child spawned by a large parent would report the parent's peak.
 */
import {readFileSync} from 'node:fs';

export function peakRssKb(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // Not Linux: fall through.
  }
  return process.resourceUsage().maxRSS;
}
