/**
 * Waiting for a condition instead of sleeping: polls `probe` until it returns
 * something other than undefined, or fails after `timeoutMs` with `what` and,
 * if given, `context()` (what was seen instead).
 */
export async function until<T>(
  what: string,
  probe: () => T | undefined,
  options: {timeoutMs?: number; context?: () => string} = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${options.context ? `; ${options.context()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
