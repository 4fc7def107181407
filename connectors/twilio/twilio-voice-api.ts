import { Router } from 'express';
import twilio from 'twilio';
import { z } from 'zod';
import { documentRoutes } from '../../server/http/openapi';
import { SendError, type ConnectorHubServices } from '../channel';
import type { TwilioChannel, TwilioInboxConfig } from './twilio-channel';

/** What click-to-call needs from the hub (its staff auth and visibility rules, contacts and agents). */
export interface VoiceApiDeps {
  publicUrl: string;
  clock: { now(): Date };
  hub: Pick<ConnectorHubServices, 'staff' | 'contacts' | 'agents'>;
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

  // Typed explicitly so that `staff.fail(...)` (never returns) narrows what follows it.
  const staff: ConnectorHubServices['staff'] = deps.hub.staff;
  const api = documentRoutes(router, { tags: ['Voice'] });
  api.post(
    '/conversations/:id/call',
    {
      summary:
        "Click to call: the phone provider calls the customer, then connects the agent's phone or browser",
      params: CallParams,
      body: CallBody,
      responses: { 201: z.object({ callSid: z.string(), status: z.string(), to: z.string() }) },
    },
    staff.requireAuth,
    async (req, res) => {
      const params = CallParams.safeParse(req.params);
      const body = CallBody.safeParse(req.body);
      if (!params.success || !body.success) staff.fail('INVALID_INPUT', 'Invalid call request.');
      const { id } = params.data;
      const principal = staff.principal(req);
      // Only a conversation the agent can see (as if others did not exist), and only the customer's own
      // numbers: the hub's phone line is never a way to dial anywhere.
      const conversation = await staff.findVisibleConversation(req, id);
      if (!conversation) staff.fail('NOT_FOUND', 'No such conversation.');
      const phones = (await deps.hub.contacts.find(conversation.contactId))?.phones ?? [];
      const to = body.data?.to ?? phones[0];
      if (!to) staff.fail('INVALID_INPUT', 'The customer has no phone number.');
      if (!phones.includes(to)) staff.fail('INVALID_INPUT', 'That number is not one of the customer’s.');
      const channel = await deps.resolveChannel(conversation.inboxId);
      if (!channel) staff.fail('UNAVAILABLE', 'No phone line is configured.');
      const agentPhone = await deps.hub.agents.findPhone(principal.agentId);
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
          staff.fail(
            error.permanent ? 'INVALID_INPUT' : 'UNAVAILABLE',
            error.permanent ? `The call was refused: ${error.message}` : 'The phone provider is unavailable.',
            error,
          );
        throw error;
      }
    },
  );

  api.get(
    '/voice/token',
    {
      summary: "An access token for the agent's browser phone",
      responses: {
        200: z.object({ token: z.string(), identity: z.string(), expiresAt: z.iso.datetime() }),
      },
    },
    staff.requireAuth,
    (req, res) => {
      const principal = staff.principal(req);
      const inbox = deps.tokenInbox;
      if (!inbox?.apiKeySid || !inbox.apiKeySecret || !inbox.twimlAppSid)
        staff.fail('UNAVAILABLE', 'Browser calling is not configured.');
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
    },
  );

  return router;
}
