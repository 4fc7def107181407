import twilio from 'twilio';

/**
 * Twilio webhook signature checks (pure). `X-Twilio-Signature` is base64(HMAC-SHA1(auth token, the URL as
 * Twilio called it + every POST parameter sorted by name, name+value)). The URL must be the public one
 * (configured base URL + path + query), never the internal address behind a proxy. The SDK's validators
 * compare in constant time and accept the URL signed with or without its port.
 */
export interface TwilioSignatureInput {
  authToken: string;
  /** The `X-Twilio-Signature` header; missing means invalid. */
  signature: string | undefined;
  /** The public URL Twilio called, with its query string. */
  url: string;
  /** Form parameters (urlencoded bodies). Repeated names arrive as arrays. */
  params?: Record<string, string | string[]>;
  /** The raw body, for JSON requests signed with `bodySHA256` in the URL. */
  rawBody?: string;
}

/** True when the request carries a valid Twilio signature for this auth token. */
export function isValidTwilioSignature(input: TwilioSignatureInput): boolean {
  const { authToken, signature, url } = input;
  if (!signature || !authToken) return false;
  try {
    if (input.rawBody !== undefined && /[?&]bodySHA256=/.test(url))
      return twilio.validateRequestWithBody(authToken, signature, url, input.rawBody);
    return twilio.validateRequest(authToken, signature, url, input.params ?? {});
  } catch {
    // A malformed URL (the validator parses it) is an invalid request, never a crash.
    return false;
  }
}

/** The signature Twilio would send for these form parameters (used by the stub and the simulator). */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}
