/**
 * `/simulator/email` (demo mode): play a customer who writes to the demo inbox and reads the answers.
 * "Send an email" composes a real RFC 822 message and submits it over SMTP to the hub's listener (or, with
 * the listener off, through the same delivery path); the outbox lists what the hub sent, as caught by the
 * local catcher. Replying to a caught mail keeps its threading headers, as a mail client would.
 */
import express, { Router } from 'express';
import MailComposer from 'nodemailer/lib/mail-composer';
import { z } from 'zod';
import type { MailCatcher } from './email-catcher';
import { renderEmailSimulatorPage } from './email-simulator-page';

const SendSchema = z.object({
  from: z.email().max(320),
  name: z.string().max(200).optional(),
  subject: z.string().max(500).default(''),
  text: z.string().min(1).max(20_000),
  /** The id of a caught mail this one answers (threading headers and its Reply-To). */
  replyTo: z.coerce.number().int().positive().optional(),
  /** Drop References (some clients do), to exercise the other threading layers. */
  dropReferences: z.coerce.boolean().optional(),
});

export async function composeMail(input: {
  from: string;
  name?: string;
  to: string;
  subject: string;
  text: string;
  inReplyTo?: string | null;
  references?: string[];
}): Promise<Buffer> {
  const composer = new MailComposer({
    from: input.name ? { name: input.name, address: input.from } : input.from,
    to: input.to,
    subject: input.subject,
    text: input.text,
    ...(input.inReplyTo ? { inReplyTo: input.inReplyTo } : {}),
    ...(input.references?.length ? { references: input.references } : {}),
  });
  return composer.compile().build();
}

export function createEmailSimulatorRouter(deps: {
  inboxAddress: string;
  catcher: () => MailCatcher | null;
  /** Submits a raw mail for the recipients as a sending server would (SMTP to the listener). */
  submit: (raw: Buffer, recipients: string[]) => Promise<void>;
}): Router {
  const router = Router();
  router.use(express.json({ limit: '100kb' }), express.urlencoded({ extended: false, limit: '100kb' }));

  router.get('/', (_req, res) => {
    res.type('html').send(renderEmailSimulatorPage({ inboxAddress: deps.inboxAddress }));
  });

  router.get('/outbox.json', (_req, res) => {
    res.json({ items: (deps.catcher()?.mails() ?? []).slice(-50).reverse() });
  });

  router.post('/send', async (req, res) => {
    const parsed = SendSchema.safeParse(req.body);
    if (!parsed.success) {
      res
        .status(400)
        .json({ error: { code: 'INVALID_INPUT', message: parsed.error.issues[0]?.message ?? 'invalid' } });
      return;
    }
    const input = parsed.data;
    const answered = input.replyTo
      ? deps
          .catcher()
          ?.mails()
          .find((mail) => mail.id === input.replyTo)
      : undefined;
    const to = answered?.replyTo ?? deps.inboxAddress;
    const subject = answered && !input.subject ? `Re: ${answered.subject}` : input.subject;
    const raw = await composeMail({
      from: input.from,
      ...(input.name ? { name: input.name } : {}),
      to,
      subject,
      text: input.text,
      ...(answered?.messageId ? { inReplyTo: answered.messageId } : {}),
      ...(answered && !input.dropReferences
        ? { references: [...answered.references, ...(answered.messageId ? [answered.messageId] : [])] }
        : {}),
    });
    try {
      await deps.submit(raw, [to]);
      res.json({ ok: true, to, subject });
    } catch (error) {
      res.status(502).json({ error: { code: 'UNAVAILABLE', message: (error as Error).message } });
    }
  });
  return router;
}
