/**
 * The Twilio connector: SMS, WhatsApp (through Twilio) and voice. Public surface for the hub, the simulator
 * and the tests.
 */
export {
  createTwilioChannel,
  createRedirectingHttpClient,
  type TwilioChannel,
  type TwilioChannelOptions,
  type TwilioInboxConfig,
  type PlaceCallOptions,
} from './twilio-channel';
export { createTwilioWebhookRouter } from './twilio-webhooks';
export { twilioPlugin, CONFIG_TWILIO_INBOX_ID } from './twilio-plugin';
export { TWILIO_WEBHOOK_PATH } from './twilio-http';
export {
  createMemoryCallSessions,
  type BusinessHours,
  type CallSessions,
  type CallSessionState,
  type ConversationLookup,
  type RenderVoicePrompt,
  type TwilioInboxDirectory,
  type TwilioWebhookDeps,
  type VoiceRouting,
} from './twilio-webhook-deps';
export { isValidTwilioSignature, signTwilioRequest } from './twilio-signature';
export { classifyTwilioError } from './twilio-errors';
export { smsSegments, isGsm7, type SmsSegmentInfo, type SmsEncoding } from './sms-segments';
export {
  isStatusAdvance,
  mapInboundCall,
  mapInboundMessage,
  mapMessageStatus,
  mapStatusCallback,
  mapVoicemail,
  twilioAddress,
} from './twilio-mapping';
export { MENU_CATEGORIES } from './twilio-voice-flow';
export type { ConnectTarget, VoiceLocale } from './twilio-twiml';
