import { vi } from 'vitest';

/** Captures what console.log and console.error print (restore with vi.restoreAllMocks()). */
export function captureConsole(): string[] {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
  vi.spyOn(console, 'error').mockImplementation((s: string) => void out.push(s));
  return out;
}
