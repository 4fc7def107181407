/**
 * The email plug-in: the channel of the config-defined inbox (`email`, EMAIL_* variables) and a factory
 * for admin-configured email inboxes (nodemailer out), the SMTP listener for direct inbound mail
 * (SMTP_INBOUND_PORT, where traffic is served), the signed relay endpoint `POST /webhooks/email/inbound`,
 * and, in demo mode, the outbound catcher with its customer simulator panel at /simulator/email.
 */
import nodemailer from 'nodemailer';
import type {
  Channel,
  ConnectorContext,
  ConnectorContribution,
  ConnectorPlugin,
  ConnectorRoute,
} from '../channel';
import { createEmailChannel, type EmailChannel } from './email-channel';
import { createMailDelivery } from './email-delivery';
import { createEmailGuard } from './email-guard';
import {
  configEmailInbox,
  createEmailInboxDirectory,
  emailInboxFromAdmin,
  type EmailInbox,
} from './email-inboxes';
import { createEmailRelayRouter } from './email-relay.routes';
import { createImapEmailPart } from './imap/imap-email-part';
import { startSmtpListener, type SmtpListener } from './email-smtp-listener';
import { startMailCatcher, type MailCatcher } from './simulator/email-catcher';
import { createEmailSimulatorRouter } from './simulator/email-simulator.routes';

export { CONFIG_EMAIL_INBOX_ID } from './email-inboxes';

function createEmailContribution(context: ConnectorContext): ConnectorContribution {
  const { config, logger } = context;
  const configInbox = configEmailInbox(config);
  const inboxes = createEmailInboxDirectory({ configInbox, inboxes: context.inboxes });
  const messageIdDomain = new URL(context.publicUrl).hostname || 'omnihub.local';
  const guard = createEmailGuard({
    redis: context.redis,
    keyPrefix: context.keyPrefix,
    clock: context.clock,
    autoReplyLimit: config.EMAIL_AUTO_REPLY_LIMIT,
    autoReplyWindowSeconds: config.EMAIL_AUTO_REPLY_WINDOW_SECONDS,
  });
  const delivery = createMailDelivery({
    sink: context.sink,
    guard,
    ourDomains: () => inboxes.ourDomains(messageIdDomain),
    clock: context.clock,
    logger,
  });
  let listener: SmtpListener | null = null;
  let catcher: MailCatcher | null = null;
  const built: EmailChannel[] = [];
  const channelFor = (inbox: EmailInbox): Channel => {
    const channel = createEmailChannel({
      inbox,
      // Demo mode: mail without a relay of its own goes to the local catcher.
      fallbackSmtpUrl: () => (config.EMAIL_DEMO ? (catcher?.url ?? null) : null),
      companyName: config.COMPANY_NAME,
      messageIdDomain,
      guard,
      hub: context.hub,
    });
    built.push(channel);
    return channel;
  };

  // IMAP mailboxes of admin-configured inboxes (connectors/email/imap): same delivery path, admin quarantine API.
  const imap = createImapEmailPart(context, delivery);
  const routes: ConnectorRoute[] = [...imap.routes];
  if (config.EMAIL_RELAY_SECRET)
    routes.push({
      path: '/webhooks/email',
      parsesOwnBody: true,
      router: createEmailRelayRouter({
        secret: config.EMAIL_RELAY_SECRET,
        toleranceSeconds: config.EMAIL_RELAY_TOLERANCE_SECONDS,
        maxBytes: config.SMTP_INBOUND_MAX_BYTES,
        inboxes,
        delivery,
        clock: context.clock,
        logger,
      }),
    });

  /** How the simulator submits a customer's mail: SMTP to our own listener, as a mail server would. */
  async function submit(raw: Buffer, recipients: string[]): Promise<void> {
    if (listener) {
      const host = ['0.0.0.0', '::'].includes(config.HOST) ? '127.0.0.1' : config.HOST;
      const transport = nodemailer.createTransport({
        host,
        port: listener.port,
        secure: false,
        ignoreTLS: true,
      });
      try {
        await transport.sendMail({ envelope: { from: 'simulator@localhost', to: recipients }, raw });
      } finally {
        transport.close();
      }
      return;
    }
    const inbox = recipients[0] ? await inboxes.findByRecipient(recipients[0]) : null;
    if (!inbox) throw new Error('no inbox serves that address');
    await delivery.deliver(raw, { inboxId: inbox.id, envelopeTo: recipients });
  }

  const contribution: ConnectorContribution = {
    routes,
    channels: configInbox ? [{ channel: channelFor(configInbox), isDefault: true }] : [],
    factories: [
      {
        kind: 'email',
        create(inbox) {
          const email = emailInboxFromAdmin(inbox);
          if (!email) throw new Error(`inbox ${inbox.id} has no email address`);
          return channelFor(email);
        },
      },
    ],
    async start(_sink, roles) {
      if (config.EMAIL_DEMO) catcher = await startMailCatcher();
      await imap.start(roles);
      const port = config.SMTP_INBOUND_PORT ?? 0;
      if (!roles.servesTraffic || port === 0) return;
      try {
        listener = await startSmtpListener({
          host: config.HOST,
          port,
          maxBytes: config.SMTP_INBOUND_MAX_BYTES,
          ...(config.SMTP_INBOUND_TLS_CERT && config.SMTP_INBOUND_TLS_KEY
            ? { tls: { certFile: config.SMTP_INBOUND_TLS_CERT, keyFile: config.SMTP_INBOUND_TLS_KEY } }
            : {}),
          inboxes,
          delivery,
          logger,
          serverName: messageIdDomain,
        });
        logger.info({ host: config.HOST, port: listener.port }, 'smtp listener started');
      } catch (error) {
        // The hub stays useful without direct SMTP (relay, IMAP); say clearly why mail is not received.
        logger.error({ err: error, port }, `smtp listener could not listen on ${config.HOST}:${port}`);
      }
    },
    async stop() {
      await imap.stop();
      await listener?.close();
      listener = null;
      for (const channel of built.splice(0)) await channel.stop();
      await catcher?.close();
      catcher = null;
    },
  };

  if (config.EMAIL_DEMO && configInbox) {
    routes.push({
      path: '/simulator/email',
      router: createEmailSimulatorRouter({
        inboxAddress: configInbox.address,
        catcher: () => catcher,
        submit,
      }),
    });
    contribution.simulator = [{ label: 'Email · 邮件', path: '/simulator/email/' }];
  }
  return contribution;
}

/** The email entry of `connectors/plugins.ts`. */
export const emailPlugin: ConnectorPlugin = { name: 'email', create: createEmailContribution };
