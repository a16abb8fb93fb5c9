import { selectBackend, type BackendChoice } from '../../src/backend/select.ts';

/** The backend specs run on: PRUNECAM_SPEC_BACKEND (default auto), so a user can check each one. */
export async function specBackend(): Promise<string> {
  return selectBackend((process.env.PRUNECAM_SPEC_BACKEND ?? 'auto') as BackendChoice);
}
