/**
 * A real IMAP server for tests: Debian's dovecot (`dovecot-imapd`, installed by
 * `scripts/ensure-system-deps.sh --test`) started as the test's own process on a free loopback port, with a
 * temporary configuration, a passwd-file user and maildirs in a temporary directory; no system path is read
 * or written. Plaintext auth is allowed (loopback only). Mail is delivered by APPEND through imapflow.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';

export const DOVECOT_BINARY = '/usr/sbin/dovecot';

export interface DovecotUser {
  user: string;
  password: string;
}

export interface RunningDovecot {
  host: string;
  port: number;
  users: DovecotUser[];
  /** Appends a raw message to a user's mailbox (created when missing); resolves with its UID. */
  append(user: string, raw: string | Buffer, mailbox?: string): Promise<{ uid: number; uidValidity: string }>;
  /** Runs `work` with a logged-in client of `user` (logged out afterwards). */
  withClient<T>(user: string, work: (client: ImapFlow) => Promise<T>): Promise<T>;
  /** Deletes and recreates a mailbox (not INBOX): the server gives it a new UIDVALIDITY. */
  recreateMailbox(user: string, mailbox: string): Promise<void>;
  /** Dovecot's own log so far (for a failing test's message). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
// Never leave a dovecot behind, even when a test run is interrupted.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** uid/gid mail is stored as: dovecot refuses root, so a root test run uses the `dovecot` system user. */
async function mailOwner(): Promise<{ uid: number; gid: number; internalUser: string; loginUser: string }> {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) {
    const me = os.userInfo().username;
    return { uid, gid: process.getgid?.() ?? uid, internalUser: me, loginUser: me };
  }
  const passwd = await readFile('/etc/passwd', 'utf8');
  const entry = (name: string) =>
    passwd
      .split('\n')
      .find((line) => line.startsWith(`${name}:`))
      ?.split(':');
  const dovecot = entry('dovecot');
  if (!dovecot) throw new Error('the dovecot system user is missing: is dovecot-imapd installed?');
  return {
    uid: Number(dovecot[2]),
    gid: Number(dovecot[3]),
    internalUser: 'dovecot',
    loginUser: entry('dovenull') ? 'dovenull' : 'dovecot',
  };
}

async function waitForGreeting(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with code ${child.exitCode}`);
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setTimeout(2000);
      socket.once('data', (chunk) => {
        socket.destroy();
        resolve(chunk.toString().startsWith('* OK'));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (greeted) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`dovecot did not greet on port ${port} within ${timeoutMs} ms`);
}

function configText(input: {
  dir: string;
  port: number;
  internalUser: string;
  loginUser: string;
  withoutIdle: boolean;
  oauth2: boolean;
}): string {
  const { dir } = input;
  return `# Omnihub test IMAP server: everything under ${dir}
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = omnihub-test-${path.basename(dir)}
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
# Refused logins answer at once (tests try a refused token first).
auth_failure_delay = 0
auth_mechanisms = plain login${input.oauth2 ? ' xoauth2 oauthbearer' : ''}
default_internal_user = ${input.internalUser}
default_login_user = ${input.loginUser}
first_valid_uid = 1
mail_location = maildir:~/Maildir
${input.withoutIdle ? 'imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE UIDPLUS MOVE NAMESPACE CHILDREN' : ''}
${
  input.oauth2
    ? `passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${dir}/oauth2.conf.ext
}`
    : ''
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = ${dir}/passwd
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${input.port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`;
}

/**
 * Starts dovecot. `withoutIdle` removes IDLE from the advertised capabilities (a server without IDLE, for
 * the polling fallback).
 */
export async function startDovecot(
  options: {
    users?: DovecotUser[];
    withoutIdle?: boolean;
    /** Accept XOAUTH2/OAUTHBEARER tokens, checked by POSTing them to this introspection URL (a local stub). */
    oauth2IntrospectionUrl?: string;
  } = {},
): Promise<RunningDovecot> {
  const users = options.users ?? [{ user: 'support', password: 'imap-test-password' }];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-dovecot-'));
  const owner = await mailOwner();
  // mkdtemp makes the directory 0700; dovecot's auth process (an unprivileged user) must reach passwd.
  await chmod(dir, 0o711);
  await mkdir(path.join(dir, 'run'));
  await mkdir(path.join(dir, 'state'));
  await mkdir(path.join(dir, 'mail'));
  await chown(path.join(dir, 'mail'), owner.uid, owner.gid);
  await writeFile(
    path.join(dir, 'passwd'),
    users
      .map(
        ({ user, password }) =>
          `${user}:{PLAIN}${password}:${owner.uid}:${owner.gid}::${dir}/mail/${user}::\n`,
      )
      .join(''),
  );

  if (options.oauth2IntrospectionUrl)
    await writeFile(
      path.join(dir, 'oauth2.conf.ext'),
      [
        'introspection_mode = post',
        `introspection_url = ${options.oauth2IntrospectionUrl}`,
        'force_introspection = yes',
        'username_attribute = username',
        'active_attribute = active',
        'active_value = true',
        '',
      ].join('\n'),
    );
  let child: ChildProcess | undefined;
  let port = 0;
  let lastError: unknown;
  // A free port can be taken between our probe and dovecot's bind: try a few.
  for (let attempt = 0; attempt < 3 && !child; attempt += 1) {
    port = await freePort();
    await writeFile(
      path.join(dir, 'dovecot.conf'),
      configText({
        dir,
        port,
        ...owner,
        withoutIdle: Boolean(options.withoutIdle),
        oauth2: Boolean(options.oauth2IntrospectionUrl),
      }),
    );
    const candidate = spawn(DOVECOT_BINARY, ['-F', '-c', path.join(dir, 'dovecot.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    live.add(candidate);
    candidate.once('exit', () => live.delete(candidate));
    try {
      await waitForGreeting(port, 20_000, candidate);
      child = candidate;
    } catch (error) {
      lastError = error;
      candidate.kill('SIGKILL');
    }
  }
  if (!child) {
    const log = await readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`dovecot did not start: ${String(lastError)}\n${log}`);
  }
  const process_ = child;
  const exited = new Promise<void>((resolve) => {
    if (process_.exitCode !== null) resolve();
    else process_.once('exit', () => resolve());
  });

  const passwordOf = (user: string) => {
    const found = users.find((u) => u.user === user);
    if (!found) throw new Error(`no dovecot user ${user}`);
    return found.password;
  };

  async function withClient<T>(user: string, work: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      doSTARTTLS: false,
      auth: { user, pass: passwordOf(user) },
      logger: false,
      disableAutoIdle: true,
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  return {
    host: '127.0.0.1',
    port,
    users,
    withClient,
    append: (user, raw, mailbox = 'INBOX') =>
      withClient(user, async (client) => {
        if (mailbox !== 'INBOX') await client.mailboxCreate(mailbox).catch(() => undefined);
        const result = await client.append(mailbox, raw);
        if (!result || !result.uid) throw new Error('APPEND returned no UID (UIDPLUS)');
        return { uid: result.uid, uidValidity: String(result.uidValidity) };
      }),
    recreateMailbox: (user, mailbox) =>
      withClient(user, async (client) => {
        await client.mailboxDelete(mailbox);
        await client.mailboxCreate(mailbox);
      }),
    log: () => readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => ''),
    async stop() {
      if (process_.exitCode === null) {
        process_.kill('SIGTERM');
        const timer = setTimeout(() => process_.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A small RFC 822 message with a given Message-ID (deterministic, so re-deliveries dedupe). */
export function testMail(input: {
  id: string;
  from?: string;
  to?: string;
  subject?: string;
  text?: string;
}): string {
  const from = input.from ?? `customer-${input.id}@example.net`;
  return [
    `From: Customer ${input.id} <${from}>`,
    `To: ${input.to ?? 'support@example.com'}`,
    `Subject: ${input.subject ?? `Question ${input.id}`}`,
    `Message-ID: <${input.id}@example.net>`,
    'Date: Thu, 03 Dec 2026 08:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    input.text ?? `Hello, this is message ${input.id}.`,
    '',
  ].join('\r\n');
}
