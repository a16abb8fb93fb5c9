import { defineConfig } from 'vitest/config';

// The fast spec suite (`npm test`): unit, property, golden and reference specs, plus the
// smoke acceptance run. Forks keep each file's tfjs backend state apart.
export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
