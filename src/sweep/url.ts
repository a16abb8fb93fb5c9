// Queue URLs: redis://[:password@]host:port[/db] and rediss:// (TLS). The password is kept out of
// every message: `display` is the URL with the password replaced by ***.

export class QueueUrlError extends Error {
  override name = 'QueueUrlError';
}

export interface QueueConnection {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The URL as it may be printed: the password (if any) replaced by ***. */
  display: string;
}

export function parseQueueUrl(url: string): QueueConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // The raw text may hold a password: show only its scheme-ish start.
    throw new QueueUrlError(`--queue must be redis://[:password@]host:port[/db] or rediss://..., got an unparsable URL`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueUrlError(`--queue must be a redis:// or rediss:// URL, got scheme '${u.protocol.replace(/:$/, '')}'`);
  if (!u.hostname) throw new QueueUrlError('--queue URL has no host');
  const port = u.port ? Number(u.port) : 6379;
  const path = u.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) throw new QueueUrlError(`--queue URL: the path must be a database number, got '/${path}'`);
  const db = path === '' ? 0 : Number(path);
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const auth = username || password ? `${username ?? ''}${password ? ':***' : ''}@` : '';
  return { host: u.hostname, port, db, username, password, tls: u.protocol === 'rediss:', display: `${u.protocol}//${auth}${u.host}/${db}` };
}

/** ioredis/BullMQ connection options of a parsed URL. */
export function redisOptions(c: QueueConnection, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    host: c.host.replace(/^\[|\]$/g, ''),
    port: c.port,
    db: c.db,
    ...(c.username ? { username: c.username } : {}),
    ...(c.password ? { password: c.password } : {}),
    ...(c.tls ? { tls: { servername: c.host } } : {}),
    ...extra,
  };
}

/** `text` with the connection's password (raw and URL-encoded) replaced by ***. */
export function redact(text: string, c: QueueConnection | null): string {
  if (!c?.password) return text;
  let out = text.split(c.password).join('***');
  const enc = encodeURIComponent(c.password);
  if (enc !== c.password) out = out.split(enc).join('***');
  return out;
}
