import { defineConfig } from 'vitest/config';

// `npm run experiment`: the experiment as a vitest suite. Runs (or resumes) the protocol named
// by PRUNECAM_PROTOCOL (default thesis) into reports/runs/, then asserts the thesis's claims.
process.env.PRUNECAM_PROTOCOL ??= 'thesis';
process.env.PRUNECAM_OUT ??= 'reports/runs';

export default defineConfig({
  test: {
    include: ['spec/acceptance/experiment.spec.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    // The full thesis protocol takes hours on a CPU; the run is resumable if interrupted.
    hookTimeout: 48 * 3600_000,
    reporters: ['verbose'],
  },
});
