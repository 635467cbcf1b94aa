import {configDefaults, defineConfig} from 'vitest/config';

/** Builds and serves the Next.js example: CPU-heavy for a minute, so it runs after the other suites, alone. */
const NEXT_EXAMPLE = 'test/browser/next-example.test.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {name: 'suites', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, NEXT_EXAMPLE]},
      },
      {extends: true, test: {name: 'next-example', include: [NEXT_EXAMPLE], sequence: {groupOrder: 1}}},
    ],
  },
});
