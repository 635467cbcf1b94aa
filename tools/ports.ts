/**
 * The port rule for the three local services (Local Heap, the function emulator,
 * the example site), one variable each, the same everywhere:
 *
 *   LOCAL_HEAP_PORT (4300)   FUNCTIONS_DEV_PORT (8080)   EXAMPLE_SITE_PORT (5173)
 *
 * - Variable unset or empty: the default port; if it is taken, the service takes a
 *   free port instead and says so (one line naming the variable).
 * - Variable set (or a --port flag): exactly that port; if it is taken the start is
 *   refused with one line naming the variable (PortError, exit 2). 0 = any free port.
 * - A URL is printed only once the service answers on it (waitUntilAnswers).
 */
import {createServer} from 'node:net';

export interface PortSetting {
  /** The variable (or flag) that chooses the port, named in every message. */
  variable: string;
  port: number;
  /** true when the user chose the port: a taken port is refused, not replaced. */
  explicit: boolean;
}

/** A port that cannot be used as asked; the message is one line, meant for the user. Exit code 2. */
export class PortError extends Error {
  override name = 'PortError';
}

/** The port a service should use, from `env[variable]` or the default. Throws PortError on a bad value. */
export function portSetting(
  variable: string,
  fallback: number,
  env: Record<string, string | undefined> = process.env,
): PortSetting {
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === '') return {variable, port: fallback, explicit: false};
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535)
    throw new PortError(`${variable} must be a port number (0-65535, 0 = any free port), got ${JSON.stringify(raw)}`);
  return {variable, port, explicit: true};
}

/** Whether nothing listens on host:port (it binds the port for an instant to find out). */
export function isPortFree(port: number, host: string): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(false) : reject(error),
    );
    server.listen({port, host, exclusive: true}, () => server.close(() => resolve(true)));
  });
}

/** The one line for a chosen port that is taken. */
export function portTakenMessage(setting: PortSetting, service: string, host: string): string {
  return `${service}: port ${setting.port} on ${host} is in use; set ${setting.variable} to a free port (0 = any free port)`;
}

/**
 * Start a service on the setting's port under the rule above. `start(port)` listens
 * (0 = any free port); `note` receives the line said when a default port is replaced.
 */
export async function startOnPort<T>(
  setting: PortSetting,
  service: string,
  host: string,
  start: (port: number) => Promise<T>,
  note: (line: string) => void,
): Promise<T> {
  if (await isPortFree(setting.port, host)) {
    try {
      return await start(setting.port);
    } catch (error) {
      // Taken between the check and the start: the same rule applies; anything else is the service's error.
      if (await isPortFree(setting.port, host)) throw error;
    }
  }
  if (setting.explicit) throw new PortError(portTakenMessage(setting, service, host));
  note(
    `${service}: port ${setting.port} is in use, so it took a free port instead (set ${setting.variable} to choose one)`,
  );
  return start(0);
}

export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Stop waiting (and fail) as soon as this returns a reason, e.g. the child process exited. */
  gone?: () => string | undefined;
}

/**
 * Poll `url` until it answers 200 and `isOurs` accepts the body (so a different
 * server holding the port does not count). Rejects with the reason otherwise.
 */
export async function waitUntilAnswers(
  url: string,
  isOurs: (body: string) => boolean,
  options: WaitOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    const gone = options.gone?.();
    if (gone) throw new Error(gone);
    try {
      const res = await fetch(url, {signal: AbortSignal.timeout(2000)});
      const body = await res.text();
      if (res.ok && isOurs(body)) {
        const after = options.gone?.();
        if (after) throw new Error(after);
        return;
      }
      last = `HTTP ${res.status} from something else`;
    } catch (error) {
      if (options.gone?.()) continue;
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
