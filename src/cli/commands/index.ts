import type { Command } from './types.ts';

// The explicit list of sub-commands (one file each).
export const COMMANDS: Record<string, Command> = {};
