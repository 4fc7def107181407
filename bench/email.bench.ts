/**
 * Email inbound benchmark (issue 11): messages/s through the hub's SMTP listener (parse, charset checks,
 * raw mail and attachments stored, ingest, answered 250 once durable) with 1 MB HTML mails carrying
 * attachments, beside a bare smtp-server that only parses each mail with mailparser and discards it,
 * measured in the same run with the same mails and the same client concurrency.
 *
 * Defaults are small (BENCH_EMAIL_MESSAGES=40 mails, BENCH_EMAIL_CONCURRENCY=4 SMTP connections);
 * BENCH_SCALE multiplies the count. Run: `npx tsx bench/email.bench.ts`. Results: bench/results/email.json
 * and email.md.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { SMTPServer } from 'smtp-server';
import { machineInfo, ratio, sized, startBenchHub, writeResults } from './support/bench-stack';

const MESSAGES = sized('BENCH_EMAIL_MESSAGES', 40);
const CONCURRENCY = Number(process.env.BENCH_EMAIL_CONCURRENCY ?? 4);
const INBOX = 'support@bench.omnihub';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A ~1 MB HTML mail (Chinese and English paragraphs, a table) with a PDF and a PNG attached. */
async function buildMail(index: number, runId: string): Promise<Buffer> {
  const paragraph = `<p>第 ${index} 封测试邮件：宽带又断了，请尽快处理。Broadband down again, please help. </p>`;
  const html = `<html><body>${paragraph.repeat(Math.ceil((280 * 1024) / paragraph.length))}<table>${'<tr><td>订单</td><td>A12345</td></tr>'.repeat(200)}</table></body></html>`;
  const composer = new MailComposer({
    from: { name: `客户 ${index}`, address: `customer${index}@bench.example` },
    to: INBOX,
    subject: `宽带故障 #${index}`,
    messageId: `<bench-${runId}-${index}@bench.example>`,
    html,
    text: `第 ${index} 封测试邮件`,
    attachments: [
      {
        filename: 'invoice.pdf',
        contentType: 'application/pdf',
        content: Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(60 * 1024)]),
      },
      {
        filename: 'photo.png',
        contentType: 'image/png',
        content: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), randomBytes(40 * 1024)]),
      },
    ],
  });
  return composer.compile().build();
}

/** Sends every mail over SMTP with CONCURRENCY pooled connections; returns messages/s. */
async function drive(
  port: number,
  mails: Buffer[],
): Promise<{ seconds: number; perSecond: number; failed: number }> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: CONCURRENCY,
    maxMessages: Infinity,
  });
  let next = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < mails.length) {
        const raw = mails[next++]!;
        await transport
          .sendMail({ envelope: { from: 'mta@bench.example', to: [INBOX] }, raw })
          .catch(() => failed++);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  transport.close();
  return {
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round((mails.length / seconds) * 10) / 10,
    failed,
  };
}

async function baselineServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 30 * 1024 * 1024,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        () => callback(),
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function main(): Promise<void> {
  const runId = Date.now().toString(36);
  const mails = await Promise.all(Array.from({ length: MESSAGES }, (_, i) => buildMail(i, runId)));
  const averageBytes = Math.round(mails.reduce((sum, mail) => sum + mail.length, 0) / mails.length);

  const baseline = await baselineServer();
  const bare = await drive(baseline.port, mails);
  await baseline.close();

  const smtpPort = await freePort();
  const bench = await startBenchHub({
    SMTP_INBOUND_PORT: String(smtpPort),
    HOST: '127.0.0.1',
    EMAIL_INBOX_ADDRESS: INBOX,
    EMAIL_SMTP_URL: 'smtp://127.0.0.1:9',
  });
  let hub: Awaited<ReturnType<typeof drive>>;
  let stored = 0;
  try {
    hub = await drive(
      smtpPort,
      mails.map((mail) =>
        Buffer.from(mail.toString('latin1').replace(`<bench-${runId}-`, `<hub-${runId}-`), 'latin1'),
      ),
    );
    for (let i = 0; i < MESSAGES; i++)
      if (
        await bench.hub.conversations.timeline.findByExternalId('email', `<hub-${runId}-${i}@bench.example>`)
      )
        stored++;
  } finally {
    await bench.close();
  }

  const json = {
    machine: machineInfo(),
    engine: bench.engine,
    messages: MESSAGES,
    concurrency: CONCURRENCY,
    averageMailBytes: averageBytes,
    hub: { ...hub, stored },
    baseline: bare,
  };
  const markdown = `# Email inbound benchmark

${MESSAGES} HTML mails of ~${(averageBytes / 1024 / 1024).toFixed(2)} MB each (HTML body, a PDF and a PNG attached), over SMTP with ${CONCURRENCY} connections, same mails and client for both rows. ${bench.engine}.

| target | messages/s | seconds | failed |
|---|---|---|---|
| hub SMTP listener (parse, raw + attachments stored, ingested, 250 once durable) | ${hub.perSecond} | ${hub.seconds} | ${hub.failed} |
| baseline smtp-server (mailparser, then discard) | ${bare.perSecond} | ${bare.seconds} | ${bare.failed} |

Hub throughput is ${ratio(hub.perSecond, bare.perSecond)} of the baseline; ${stored}/${MESSAGES} mails were found stored afterwards.
Machine: ${String(json.machine.cpus)} CPUs (${String(json.machine.cpuModel)}), load at start ${JSON.stringify(json.machine.loadAverageAtStart)}; the machine is shared, so figures are indicative.
`;
  await writeResults('email', json, markdown);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
