/**
 * The port rule (tools/ports.ts) for Local Heap, the function emulator and the
 * example site, through each command a user runs: a port you set that is taken
 * is refused in one line naming its variable (exit 2, no stack trace, no URL); a
 * taken default is replaced by a free port and said so; a URL is printed only
 * once its service answers. Ports here are ephemeral, never the fixed defaults.
 */
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {isPortFree, PortError, portSetting, startOnPort, waitUntilAnswers} from '../../tools/ports.ts';
import {occupyPort, type Running, runScript} from './run-script.ts';

const running: Running[] = [];
const held: {close(): Promise<void>}[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  for (const h of held.splice(0)) await h.close();
});

async function taken(): Promise<number> {
  const holder = await occupyPort();
  held.push(holder);
  return holder.port;
}

function run(script: string, args: string[], env: Record<string, string>): Running {
  const r = runScript(script, args, env);
  running.push(r);
  return r;
}

/** The refusal: exit 2, exactly one line on stderr naming `variable` and the port, nothing on stdout but npm's banner. */
async function expectRefused(r: Running, variable: string, port: number, service: string): Promise<void> {
  expect(await r.exit).toBe(2);
  expect(r.stderr().trim().split('\n')).toEqual([
    `${service}: port ${port} on 127.0.0.1 is in use; set ${variable} to a free port (0 = any free port)`,
  ]);
  expect(r.stdout()).not.toMatch(/http:\/\//);
}

describe('portSetting', () => {
  it('unset or empty is the default, not chosen; a number is chosen; anything else is refused naming the variable', () => {
    expect(portSetting('LOCAL_HEAP_PORT', 4300, {})).toEqual({
      variable: 'LOCAL_HEAP_PORT',
      port: 4300,
      explicit: false,
    });
    expect(portSetting('LOCAL_HEAP_PORT', 4300, {LOCAL_HEAP_PORT: ''})).toMatchObject({port: 4300, explicit: false});
    expect(portSetting('LOCAL_HEAP_PORT', 4300, {LOCAL_HEAP_PORT: '0'})).toMatchObject({port: 0, explicit: true});
    expect(portSetting('LOCAL_HEAP_PORT', 4300, {LOCAL_HEAP_PORT: '4301'})).toMatchObject({port: 4301, explicit: true});
    for (const bad of ['abc', '-1', '65536', '80.5'])
      expect(() => portSetting('EXAMPLE_SITE_PORT', 5173, {EXAMPLE_SITE_PORT: bad})).toThrow(
        new PortError(`EXAMPLE_SITE_PORT must be a port number (0-65535, 0 = any free port), got "${bad}"`),
      );
  });
});

describe('startOnPort', () => {
  const listen = (port: number) =>
    new Promise<http.Server>((resolve, reject) => {
      const server = http.createServer((_req, res) => res.end('ok'));
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  const close = (server: http.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

  it('a taken default port is replaced by a free one, and the note names the variable', async () => {
    const port = await taken();
    const notes: string[] = [];
    const server = await startOnPort({variable: 'X_PORT', port, explicit: false}, 'Svc', '127.0.0.1', listen, (l) =>
      notes.push(l),
    );
    try {
      expect((server.address() as AddressInfo).port).not.toBe(port);
      expect(notes).toEqual([`Svc: port ${port} is in use, so it took a free port instead (set X_PORT to choose one)`]);
    } finally {
      await close(server);
    }
  });

  it('a taken chosen port is refused with one line naming the variable, and the service is not started', async () => {
    const port = await taken();
    let starts = 0;
    await expect(
      startOnPort(
        {variable: 'X_PORT', port, explicit: true},
        'Svc',
        '127.0.0.1',
        (p) => {
          starts++;
          return listen(p);
        },
        () => {},
      ),
    ).rejects.toThrow(
      new PortError(`Svc: port ${port} on 127.0.0.1 is in use; set X_PORT to a free port (0 = any free port)`),
    );
    expect(starts).toBe(0);
  });

  it('a free chosen port is used as is', async () => {
    const holder = await occupyPort();
    const port = holder.port;
    await holder.close();
    expect(await isPortFree(port, '127.0.0.1')).toBe(true);
    const server = await startOnPort({variable: 'X_PORT', port, explicit: true}, 'Svc', '127.0.0.1', listen, () => {});
    try {
      expect((server.address() as AddressInfo).port).toBe(port);
    } finally {
      await close(server);
    }
  });
});

describe('waitUntilAnswers', () => {
  it('a different server answering 200 on the port never counts as the service', async () => {
    let hits = 0;
    const other = http.createServer((_req, res) => {
      hits++;
      res.end('<html>someone else</html>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', () => resolve()));
    held.push({close: () => new Promise((resolve) => other.close(() => resolve()))});
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}/blueprint`;
    await expect(
      waitUntilAnswers(url, (body) => body.includes('heap-content-sync'), {
        gone: () => (hits >= 3 ? 'the service exited' : undefined),
      }),
    ).rejects.toThrow('the service exited');
    expect(hits).toBeGreaterThanOrEqual(3);
  });
});

describe('each command with its port taken', () => {
  it.each([
    ['LOCAL_HEAP_PORT', 'Local Heap'],
    ['EXAMPLE_SITE_PORT', 'Example website'],
    ['FUNCTIONS_DEV_PORT', 'Function emulator'],
  ])('npm start: %s taken (refused, no URL printed)', async (variable, service) => {
    const port = await taken();
    const others = {LOCAL_HEAP_PORT: '0', EXAMPLE_SITE_PORT: '0', FUNCTIONS_DEV_PORT: '0'};
    const r = run('scripts/start.ts', [], {...others, [variable]: String(port)});
    await expectRefused(r, variable, port, service);
  });

  it('npm start -- --port N is refused in one line that names the variables', async () => {
    const r = run('scripts/start.ts', ['--port', '5000'], {});
    expect(await r.exit).toBe(2);
    expect(r.stderr().trim().split('\n')).toHaveLength(1);
    expect(r.stderr()).toMatch(/Unknown option '--port'.*LOCAL_HEAP_PORT, FUNCTIONS_DEV_PORT, EXAMPLE_SITE_PORT/);
  });

  it('npm run heap:local: LOCAL_HEAP_PORT taken, and --port taken', async () => {
    const port = await taken();
    await expectRefused(
      run('local-heap/cli.ts', [], {LOCAL_HEAP_PORT: String(port)}),
      'LOCAL_HEAP_PORT',
      port,
      'Local Heap',
    );
    await expectRefused(run('local-heap/cli.ts', ['--port', String(port)], {}), '--port', port, 'Local Heap');
  });

  it('npm run heap:local reads LOCAL_HEAP_PORT (0: any free port, so not the default and no note)', async () => {
    const r = run('local-heap/cli.ts', [], {LOCAL_HEAP_PORT: '0'});
    const [, port] = await r.waitForStdout(/Local Heap listening on http:\/\/127\.0\.0\.1:(\d+)/);
    expect(port).not.toBe('4300');
    expect(r.stdout()).not.toContain('in use');
  });

  it('npm run example:web: EXAMPLE_SITE_PORT taken (and EXAMPLE_PORT is not read)', async () => {
    const port = await taken();
    await expectRefused(
      run('examples/web/serve.ts', [], {EXAMPLE_SITE_PORT: String(port)}),
      'EXAMPLE_SITE_PORT',
      port,
      'Example website',
    );
    const r = run('examples/web/serve.ts', [], {EXAMPLE_SITE_PORT: '0', EXAMPLE_PORT: String(port)});
    const [, url] = await r.waitForStdout(/Example website: (http:\/\/127\.0\.0\.1:\d+)/);
    expect(url).not.toBe(`http://127.0.0.1:${port}`);
    const articles = await fetch(`${url}/api/articles`);
    expect(articles.status).toBe(200);
  });

  it('npm run functions:dev: FUNCTIONS_DEV_PORT taken', async () => {
    const port = await taken();
    const r = run('scripts/functions-dev.ts', [], {
      FUNCTIONS_DEV_PORT: String(port),
      HEAP_API_URL: 'http://127.0.0.1:9',
      HEAP_APP_ID: '1000000001',
    });
    await expectRefused(r, 'FUNCTIONS_DEV_PORT', port, 'Function emulator');
  });
});

describe('npm start with free ports', () => {
  it('prints each URL once its service answers, and each printed URL is that service', async () => {
    const r = run('scripts/start.ts', [], {LOCAL_HEAP_PORT: '0', EXAMPLE_SITE_PORT: '0', FUNCTIONS_DEV_PORT: '0'});
    const m = await r.waitForStdout(
      /Local Heap live view +(\S+)\/\n +Function emulator +(\S+)\n +Example website +(\S+)\n[\s\S]*Ctrl-C/,
    );
    const [, heapUrl, devUrl, siteUrl] = m;
    const stats = (await (await fetch(`${heapUrl}/api/local/stats`)).json()) as {requests: number};
    expect(stats.requests).toBeGreaterThan(0); // the example articles were published through the function
    const blueprint = (await (await fetch(`${devUrl}/blueprint`)).json()) as {
      parsedBlueprint: {resources: {name: string}[]};
    };
    expect(blueprint.parsedBlueprint.resources.map((x) => x.name)).toContain('heap-content-sync');
    expect((await fetch(`${siteUrl}/api/articles`)).status).toBe(200);
    expect(r.stdout()).toContain('paste the whole of fixtures/article.v1.json into Document');
  }, 90_000);
});
