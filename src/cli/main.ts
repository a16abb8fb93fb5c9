import { UsageError } from './args.ts';
import { COMMANDS } from './commands/index.ts';

const USAGE = `prunecam — does pruning change Grad-CAM++ heatmap quality the way it changes accuracy?

usage: prunecam <command> [options]

commands:
${Object.entries(COMMANDS)
  .filter(([name]) => !name.startsWith('_'))
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run 'prunecam <command> --help' for a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`prunecam: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    const err = e as Error;
    if (err instanceof UsageError) {
      console.error(`prunecam ${name}: ${err.message}\n\n${cmd.usage}`);
      return 2;
    }
    // Every failure a user can cause is reported by its message alone; PRUNECAM_DEBUG=1 shows the stack.
    console.error(`prunecam ${name}: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`);
    if (process.env.PRUNECAM_DEBUG) console.error(err.stack);
    return 1;
  }
}
