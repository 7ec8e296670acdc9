import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file starts its own local chain; two cores do not gain from more workers.
    maxWorkers: 2,
    pool: 'forks',
    // The console answers in the language of LANG (src/platforms/console/run-console.ts): tests that
    // expect English run in English whatever the machine's locale; a test that wants Japanese says so.
    env: { LANG: 'C.UTF-8', LC_ALL: '', LC_MESSAGES: '' },
  },
});
