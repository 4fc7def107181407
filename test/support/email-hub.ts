/**
 * A whole test hub with the email connector live: the SMTP listener on a free port, outbound mail into a
 * local SMTP stub that records it, the relay endpoint with a known secret; plus helpers that deliver
 * mail as a mail server would (nodemailer over SMTP) and read what the hub stored through its API.
 */
import { createServer } from 'node:net';
import nodemailer from 'nodemailer';
import { call, loginAs } from '../integration/conversations-support';
import { startSmtpStub, type SmtpStub } from './smtp-stub';
import { startTestHub, type RunningTestHub } from './test-stack';

export const EMAIL_HUB_PUBLIC_URL = 'http://hub.test';
export const INBOX_ADDRESS = 'support@demo.omnihub';
export const RELAY_SECRET = 'test-email-relay-secret-0123456789';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;

export interface EmailTestHub {
  running: RunningTestHub;
  smtpPort: number;
  /** Where the hub's outbound mail lands. */
  outbox: SmtpStub;
  token: string;
  /** Submits a raw mail over SMTP to the hub's listener (envelope recipients default to the inbox). */
  submit(raw: Buffer | string, to?: string[]): Promise<void>;
  /** Sends a mail over SMTP built by nodemailer from message options. */
  send(mail: nodemailer.SendMailOptions): Promise<void>;
  conversations(query?: string): Promise<Json[]>;
  timeline(conversationId: string): Promise<Json[]>;
  close(): Promise<void>;
}

/** A port nothing listens on right now (the listener's `0` means off, so tests pick one). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startEmailTestHub(overrides: Record<string, string> = {}): Promise<EmailTestHub> {
  const outbox = await startSmtpStub();
  const smtpPort = await freePort();
  const running = await startTestHub({
    configOverrides: {
      PUBLIC_URL: EMAIL_HUB_PUBLIC_URL,
      HOST: '127.0.0.1',
      SMTP_INBOUND_PORT: String(smtpPort),
      EMAIL_INBOX_ADDRESS: INBOX_ADDRESS,
      EMAIL_SMTP_URL: outbox.url,
      EMAIL_RELAY_SECRET: RELAY_SECRET,
      ...overrides,
    },
  });
  const { token } = await loginAs(running, { email: `sup-${Date.now()}@example.com`, role: 'supervisor' });
  const transport = () =>
    nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
  const get = async (path: string) => {
    const response = await call(running.baseUrl, 'GET', path, { token });
    if (response.status !== 200)
      throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  return {
    running,
    smtpPort,
    outbox,
    token,
    async submit(raw, to = [INBOX_ADDRESS]) {
      const client = transport();
      try {
        await client.sendMail({ envelope: { from: 'mta@example.net', to }, raw });
      } finally {
        client.close();
      }
    },
    async send(mail) {
      const client = transport();
      try {
        await client.sendMail(mail);
      } finally {
        client.close();
      }
    },
    conversations: async (query = '') => (await get(`/api/conversations${query}`)).items as Json[],
    timeline: async (conversationId) =>
      (await get(`/api/conversations/${conversationId}/timeline`)).items as Json[],
    async close() {
      await running.close();
      await outbox.close();
    },
  };
}
