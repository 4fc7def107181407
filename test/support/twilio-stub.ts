/**
 * The local Twilio stub on its own port, for tests and the simulator: the REST API the connector calls and
 * the signed webhooks Twilio sends. The reusable part lives in connectors/twilio/stub (the hub also serves
 * it in demo mode).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import {
  createTwilioStub,
  type TwilioStub,
  type TwilioStubOptions,
} from '../../connectors/twilio/stub/twilio-stub';

export interface RunningTwilioStub {
  stub: TwilioStub;
  /** `http://127.0.0.1:PORT`: pass as TWILIO_API_BASE. */
  url: string;
  close(): Promise<void>;
}

export const STUB_ACCOUNT_SID = 'AC00000000000000000000000000000001';
export const STUB_AUTH_TOKEN = 'stub-auth-token-0123456789abcdef';

export async function startTwilioStub(
  options: Partial<TwilioStubOptions> & Pick<TwilioStubOptions, 'publicUrl'>,
): Promise<RunningTwilioStub> {
  const stub = createTwilioStub({ accountSid: STUB_ACCOUNT_SID, authToken: STUB_AUTH_TOKEN, ...options });
  const app = express();
  app.use(stub.router);
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.setBaseUrl(url);
  let closed = false;
  return {
    stub,
    url,
    async close() {
      if (closed) return;
      closed = true;
      await stub.settle().catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
