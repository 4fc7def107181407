import { Router, type RequestHandler } from 'express';
import twilio from 'twilio';
import { z } from 'zod';
import { SendError } from '../../../connectors/channel';
import type { TwilioChannel, TwilioInboxConfig } from '../../../connectors/twilio';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import { parseInput } from '../../lib/validate';
import { getPrincipal } from '../agents';
import { canSeeConversation } from '../conversations';

/** What click-to-call needs to know, structurally (conversations, contacts and agents modules). */
export interface VoiceApiDeps {
  publicUrl: string;
  clock: Clock;
  requireAuth: RequestHandler;
  findConversation: (id: string) => Promise<{
    inboxId: string;
    contactId: string;
    primaryChannel?: string;
    teamId?: string | null;
    assigneeId?: string | null;
    ownerId?: string | null;
  } | null>;
  findContactPhones: (contactId: string) => Promise<string[] | null>;
  findAgentPhone: (agentId: string) => Promise<string | null>;
  /** The Twilio channel that calls for an inbox (the conversation's, else the default voice inbox). */
  resolveChannel: (inboxId: string | null) => Promise<TwilioChannel | null>;
  /** Credentials for browser calling (access tokens), when configured. */
  tokenInbox: TwilioInboxConfig | null;
}

const CallParams = z.object({ id: z.string().min(1).max(64) });
const CallBody = z
  .object({
    to: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/)
      .optional(),
  })
  .optional();

/** The identity of an agent's browser phone (Twilio Client). */
export const clientIdentity = (agentId: string) => `agent-${agentId}`;

/**
 * `POST /api/conversations/:id/call` (click to call: Twilio calls the customer, then connects the agent's
 * phone, or their browser when they have no phone) and `GET /api/voice/token` (an access token with a
 * VoiceGrant for the browser phone).
 */
export function createVoiceApiRouter(deps: VoiceApiDeps): Router {
  const router = Router();

  router.post('/conversations/:id/call', deps.requireAuth, async (req, res) => {
    const { id } = parseInput(CallParams, req.params, 'conversation');
    const body = parseInput(CallBody, req.body, 'call');
    const principal = getPrincipal(req);
    const conversation = await deps.findConversation(id);
    // Only a conversation the agent can see (as if others did not exist), and only the customer's own
    // numbers: the hub's phone line is never a way to dial anywhere.
    if (!conversation || !canSeeConversation(principal, conversation))
      throw new AppError('NOT_FOUND', { userMessage: 'No such conversation.' });
    const phones = (await deps.findContactPhones(conversation.contactId)) ?? [];
    const to = body?.to ?? phones[0];
    if (!to) throw new AppError('INVALID_INPUT', { userMessage: 'The customer has no phone number.' });
    if (!phones.includes(to))
      throw new AppError('INVALID_INPUT', { userMessage: 'That number is not one of the customer’s.' });
    const channel = await deps.resolveChannel(conversation.inboxId);
    if (!channel) throw new AppError('UNAVAILABLE', { userMessage: 'No phone line is configured.' });
    const agentPhone = await deps.findAgentPhone(principal.agentId);
    const inboxId = channel.inbox.inboxId;
    const answer = new URLSearchParams({
      inbox: inboxId,
      conversation: id,
      ...(agentPhone ? { agentPhone } : { agentClient: clientIdentity(principal.agentId) }),
    });
    try {
      const call = await channel.placeCall({
        to,
        answerUrl: `${deps.publicUrl}/webhooks/twilio/voice/outbound?${answer.toString()}`,
        statusCallbackUrl: `${deps.publicUrl}/webhooks/twilio/voice/status?inbox=${encodeURIComponent(inboxId)}`,
      });
      res.status(201).json({ callSid: call.callSid, status: call.status, to });
    } catch (error) {
      if (error instanceof SendError)
        throw new AppError(error.permanent ? 'INVALID_INPUT' : 'UNAVAILABLE', {
          userMessage: error.permanent
            ? `The call was refused: ${error.message}`
            : 'The phone provider is unavailable.',
          cause: error,
        });
      throw error;
    }
  });

  router.get('/voice/token', deps.requireAuth, (req, res) => {
    const principal = getPrincipal(req);
    const inbox = deps.tokenInbox;
    if (!inbox?.apiKeySid || !inbox.apiKeySecret || !inbox.twimlAppSid)
      throw new AppError('UNAVAILABLE', { userMessage: 'Browser calling is not configured.' });
    const identity = clientIdentity(principal.agentId);
    const ttl = 3600;
    const token = new twilio.jwt.AccessToken(inbox.accountSid, inbox.apiKeySid, inbox.apiKeySecret, {
      identity,
      ttl,
    });
    token.addGrant(
      new twilio.jwt.AccessToken.VoiceGrant({
        outgoingApplicationSid: inbox.twimlAppSid,
        incomingAllow: true,
      }),
    );
    res.json({
      token: token.toJwt(),
      identity,
      expiresAt: new Date(deps.clock.now().getTime() + ttl * 1000).toISOString(),
    });
  });

  return router;
}
