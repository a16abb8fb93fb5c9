// A small, strict option parser: unknown options are errors (a typo must not silently run the
// thesis protocol with defaults), every option's value is checked by its command.

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  /** Takes a value (`--out DIR`) or is a flag (`--json`). */
  value: boolean;
}

export interface ParsedArgs {
  options: Record<string, string | true>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const options: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option --${name} (known: ${Object.keys(spec).map((k) => `--${k}`).join(', ') || 'none'})`);
    if (!s.value) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      options[name] = true;
    } else if (eq >= 0) {
      options[name] = a.slice(eq + 1);
    } else {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      options[name] = v;
    }
  }
  return { options, positionals };
}

export function str(o: ParsedArgs, name: string): string | undefined {
  const v = o.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(o: ParsedArgs, name: string): boolean {
  return o.options[name] === true;
}

export function int(o: ParsedArgs, name: string, min = 1): number | undefined {
  const v = str(o, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name} must be a whole number >= ${min}, got '${v}'`);
  return Number(v);
}
