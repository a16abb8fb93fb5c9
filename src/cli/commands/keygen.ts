// `prunecam keygen`: creates a signing key pair for reports.
import { UsageError, flag, parseArgs, str } from '../args.ts';
import { defaultKeyPath, generateSigningKey, writeKeyPair } from '../../report/keys.ts';
import type { Command } from './types.ts';

const USAGE = `usage: prunecam keygen [--out PATH] [--ed25519] [--force]

  Creates a signing key for reports: an unencrypted PKCS#8 PEM private key with mode 0600 and
  its public key (SPKI PEM) beside it as <name>.pub.pem. Prints the keyid (hex sha256 of the
  public key's DER), which verify shows too.

  --out PATH   where to write the private key (default ${defaultKeyPath()};
               reports are signed with it unless --key or PRUNECAM_SIGNING_KEY says otherwise)
  --ed25519    an Ed25519 key instead of the default ECDSA P-256
  --force      replace an existing key (its reports then verify only with the old public key)`;

export const KEYGEN: Command = {
  summary: 'create a report signing key (ECDSA P-256 or Ed25519)',
  usage: USAGE,
  async run(argv) {
    const args = parseArgs(argv, { out: { value: true }, ed25519: { value: false }, force: { value: false } });
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const path = str(args, 'out') ?? defaultKeyPath();
    const algorithm = flag(args, 'ed25519') ? 'ed25519' : 'ecdsa-p256';
    const key = generateSigningKey(algorithm);
    const { privatePath, publicPath } = writeKeyPair(path, key, flag(args, 'force'));
    console.log(`wrote ${algorithm === 'ed25519' ? 'Ed25519' : 'ECDSA P-256'} signing key ${privatePath} (mode 0600)`);
    console.log(`wrote public key ${publicPath}`);
    console.log(`keyid ${key.keyid}`);
    return 0;
  },
};
