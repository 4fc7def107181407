/**
 * The web chat widget in Debian's Chromium: a visitor on a host page with a strict CSP (one script tag, no
 * inline script or style), an agent on the real /agent socket and REST API. Both sides sit behind TCP
 * proxies that a test cuts for 10 s, so "nothing missed, nothing twice" is checked across real drops.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { identityHash } from '../../connectors/webchat/visitor-token';
import { call, email } from '../integration/conversations-support';
import { INBOX_ADDRESS, startEmailTestHub, type EmailTestHub } from '../support/email-hub';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { ensureUiBuilt, signIn } from './agent-ui.support';

const SECRET = 'browser-test-identity-secret-0123456789';

async function waitUntil<T>(
  what: string,
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  ms = 20_000,
) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The host page: nothing inline, a CSP that allows only the hub's script and frame. */
async function startHostSite(hubUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    const inbox = url.searchParams.get('inbox') ?? 'demo';
    const identifier = url.searchParams.get('identifier');
    const hash = url.searchParams.get('hash');
    const attrs = identifier ? ` data-identifier="${identifier}" data-identifier-hash="${hash ?? ''}"` : '';
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src ${hubUrl}; frame-src ${hubUrl}; connect-src ${hubUrl}`,
    });
    res.end(`<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1>
<script src="${hubUrl}/widget.js?inbox=${inbox}" data-lang="en"${attrs}></script></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Agent {
  token: string;
  socket: Socket;
  /** message:new payloads by message id → the event ids they arrived with. */
  seen: Map<string, Set<string>>;
  lastEventId: string | null;
  offers: { offerId: string; conversation: { id: string } }[];
  close(): void;
}

/** The agent side: REST login, /agent socket through its proxy, `sync` from the last event id on reconnect. */
async function connectAgentThrough(running: RunningTestHub, proxy: TcpProxy, teamId: string): Promise<Agent> {
  const password = 'correct horse battery';
  await running.hub.agents.agents.createAgent(
    {
      email: 'web-agent@example.com',
      name: 'Web Agent',
      password,
      role: 'supervisor',
      teamIds: [teamId],
      skills: [],
      languages: [],
      capacity: { voice: 1, chat: 20, messaging: 10, email: 10 },
    },
    null,
  );
  const login = await call(running.baseUrl, 'POST', '/api/auth/login', {
    body: { email: 'web-agent@example.com', password },
  });
  const token = login.body.token as string;
  const socket = io(`${proxy.url}/agent`, {
    auth: { token },
    transports: ['websocket'],
    reconnectionDelay: 300,
    reconnectionDelayMax: 1_000,
  });
  const agent: Agent = {
    token,
    socket,
    seen: new Map(),
    lastEventId: null,
    offers: [],
    close: () => socket.close(),
  };
  const track = (eventId: string) => {
    if (!agent.lastEventId || BigInt(eventId) > BigInt(agent.lastEventId)) agent.lastEventId = eventId;
  };
  socket.on('message:new', (payload: { eventId: string; message: { id: string } }) => {
    const ids = agent.seen.get(payload.message.id) ?? new Set<string>();
    ids.add(payload.eventId);
    agent.seen.set(payload.message.id, ids);
    track(payload.eventId);
  });
  socket.on('offer:new', (payload: { eventId: string; offerId: string; conversation: { id: string } }) => {
    agent.offers.push(payload);
    track(payload.eventId);
  });
  let connections = 0;
  socket.on('connect', () => {
    connections += 1;
    if (connections === 1) {
      void socket.emitWithAck('presence:set', { status: 'online' });
      return;
    }
    // Reconnected: everything after the last event seen (replayed events go through the same handlers).
    void socket.emitWithAck('sync', { lastEventId: agent.lastEventId });
    void socket.emitWithAck('presence:set', { status: 'online' });
  });
  await waitUntil('agent online', () => connections > 0);
  return agent;
}

describe('web chat widget in Chromium (strict-CSP host page, agent on the socket API)', function () {
  this.timeout(120_000);
  let running: RunningTestHub;
  let visitorProxy: TcpProxy;
  let agentProxy: TcpProxy;
  let host: { url: string; close(): Promise<void> };
  let browser: Browser;
  let visitorContext: BrowserContext;
  let page: Page;
  let agent: Agent;
  let conversationId: string;
  const cspViolations: string[] = [];

  const chat = (p: Page = page): FrameLocator => p.frameLocator('iframe[title="Chat with us"]');
  const texts = async (p: Page = page) => chat(p).locator('.log .msg .body').allTextContents();
  /** Opens the chat with the launcher unless the loader reopened it by itself (it remembers). */
  const openChat = async (p: Page) => {
    await p
      .locator('[data-omnihub-chat] iframe, [data-omnihub-chat] button[aria-expanded="false"]')
      .first()
      .waitFor();
    const launcher = p.locator('[data-omnihub-chat] button[aria-expanded="false"]');
    if (await launcher.isVisible()) await launcher.click();
  };
  const reply = (text: string) =>
    call(running.baseUrl, 'POST', `/api/conversations/${conversationId}/messages`, {
      token: agent.token,
      body: { text },
    });

  before(async function () {
    running = await startTestHub({
      configOverrides: { WEBCHAT_IDENTITY_SECRET: SECRET, ROUTING_DISCONNECT_GRACE_SECONDS: '120' },
    });
    visitorProxy = await startTcpProxy(running.port);
    agentProxy = await startTcpProxy(running.port);
    host = await startHostSite(visitorProxy.url);
    const team = await running.hub.agents.agents.createTeam({ name: 'Web' }, null);
    agent = await connectAgentThrough(running, agentProxy, team.id);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    visitorContext = await browser.newContext({ locale: 'en-US' });
    page = await visitorContext.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) cspViolations.push(message.text());
    });
  });
  after(async () => {
    agent?.close();
    await browser?.close();
    await host?.close();
    await visitorProxy?.close();
    await agentProxy?.close();
    await running?.close();
  });

  it('chat → offer → accept → the agent reply appears for the visitor live', async () => {
    await page.goto(host.url);
    const launcher = page.locator('[data-omnihub-chat] button');
    await launcher.focus();
    await page.keyboard.press('Enter'); // keyboard only
    const input = chat().locator('textarea[aria-label="Type a message…"]');
    await input.fill('Hello, where is my order #88?');
    await input.press('Enter');
    const offer = await waitUntil('offer', () => agent.offers[0]);
    conversationId = offer.conversation.id;
    const accepted = (await agent.socket
      .timeout(10_000)
      .emitWithAck('offer:accept', { offerId: offer.offerId })) as { ok: boolean };
    assert.equal(accepted.ok, true);
    assert.equal((await reply('Hi! It ships today.')).status, 201);
    await waitUntil('live reply', async () => (await texts()).includes('Hi! It ships today.'));
    assert.deepEqual(await texts(), ['Hello, where is my order #88?', 'Hi! It ships today.']);
    assert.deepEqual(cspViolations, []);
  });

  it('shows the whole history after a reload', async () => {
    await page.reload();
    await waitUntil('history', async () => (await texts()).length === 2);
    assert.deepEqual(await texts(), ['Hello, where is my order #88?', 'Hi! It ships today.']);
  });

  it('misses nothing and shows nothing twice when the visitor network drops for 10 s', async () => {
    const drop = visitorProxy.cut(10_000);
    await waitUntil('visitor sees the drop', async () =>
      (await chat().locator('.status').textContent())?.includes('reconnecting'),
    );
    const input = chat().locator('textarea');
    await input.fill('Still there? (sent offline)');
    await input.press('Enter');
    assert.equal((await reply('Reply during the drop 1')).status, 201);
    assert.equal((await reply('Reply during the drop 2')).status, 201);
    await drop;
    const expected = [
      'Hello, where is my order #88?',
      'Hi! It ships today.',
      'Still there? (sent offline)',
      'Reply during the drop 1',
      'Reply during the drop 2',
    ];
    await waitUntil(
      'resumed',
      async () =>
        (await texts()).length === expected.length && !(await chat().locator('.msg.pending').count()),
    );
    assert.deepEqual([...(await texts())].sort(), [...expected].sort());
    const stored = await running.hub.conversations.timeline.listTimeline(conversationId, { limit: 50 });
    assert.equal(stored.items.filter((m) => m.text === 'Still there? (sent offline)').length, 1);
  });

  it('misses nothing and shows nothing twice when the agent network drops for 10 s', async () => {
    const drop = agentProxy.cut(10_000);
    await waitUntil('agent sees the drop', () => !agent.socket.connected);
    const input = chat().locator('textarea');
    for (const text of ['While the agent was away 1', 'While the agent was away 2']) {
      await input.fill(text);
      await input.press('Enter');
    }
    await waitUntil(
      'visitor messages stored',
      async () => (await texts()).length === 7 && !(await chat().locator('.msg.pending').count()),
    );
    await drop;
    const stored = await running.hub.conversations.timeline.listTimeline(conversationId, { limit: 50 });
    const inbound = stored.items.filter((m) => m.direction === 'inbound');
    await waitUntil('agent caught up', () => inbound.every((m) => agent.seen.has(String(m._id))));
    for (const message of inbound)
      assert.equal(agent.seen.get(String(message._id))?.size, 1, `message ${message.text} seen once`);
  });

  it("shows the visitor's typing and read state to the agent in the agent app's conversation view", async () => {
    ensureUiBuilt();
    const agentContext = await browser.newContext({ locale: 'en-US' });
    try {
      const agentPage = await agentContext.newPage();
      await signIn(agentPage, running.baseUrl, 'web-agent@example.com');
      const { number } = (await running.hub.conversations.conversations.findConversation(conversationId))!;
      await agentPage.goto(`${running.baseUrl}/app/conversations/${number}`);
      await agentPage.locator('.conv-head h2').getByText(`#${number}`).waitFor();
      const activity = agentPage.locator('[data-testid=customer-activity]');

      // The visitor types (not sending): the agent sees it live.
      await chat().locator('textarea').fill('I am typing a long question');
      await activity.locator('[data-testid=customer-typing]').waitFor({ timeout: 15_000 });
      assert.equal(
        await activity.locator('[data-testid=customer-typing]').textContent(),
        'The customer is typing… ',
      );
      await chat().locator('textarea').fill('');

      // A reply while the visitor is cut off: not seen yet. Once the widget is back it reads it.
      const drop = visitorProxy.cut(4_000);
      await waitUntil('visitor sees the drop', async () =>
        (await chat().locator('.status').textContent())?.includes('reconnecting'),
      );
      assert.equal((await reply('Any other question?')).status, 201);
      await agentPage.locator('[data-testid=customer-read][data-read=earlier]').waitFor({ timeout: 15_000 });
      await drop;
      await waitUntil('reply shown to the visitor', async () =>
        (await texts()).includes('Any other question?'),
      );
      await agentPage.locator('[data-testid=customer-read][data-read=latest]').waitFor({ timeout: 20_000 });
      assert.equal(
        await agentPage.locator('[data-testid=customer-read]').textContent(),
        '✓✓ Seen by the customer',
      );
      // The typing line went away by itself (5 s after the last signal).
      await activity.locator('[data-testid=customer-typing]').waitFor({ state: 'detached', timeout: 15_000 });
    } finally {
      await agentContext.close();
    }
  });

  it('shows files in the chat: an uploaded image inline, a file the agent sent as a download link', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEUlEQVR4nGP4z8AARAxg8j8AG/ID/fPnS7EAAAAASUVORK5CYII=',
      'base64',
    );
    await chat()
      .locator('input[type=file]')
      .setInputFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: png });
    const image = chat().locator('.msg.visitor img.inline[alt="parcel.png"]');
    await waitUntil('image decoded', () =>
      image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 2),
    );
    assert.match((await image.getAttribute('src')) ?? '', /^blob:/);

    // An agent file: stored, on the timeline, sent through the outbound pipeline like any reply.
    const hub = running.hub;
    const pdf = Buffer.from('%PDF-1.4\n% a receipt\n%%EOF\n');
    const stored = await hub.attachments.store.put(pdf, {
      filename: 'receipt.pdf',
      contentType: 'application/pdf',
    });
    const conversation = await hub.conversations.conversations.findConversation(conversationId);
    const seq = await hub.conversations.conversations.allocateSeq(conversationId, { openOnly: false });
    const { message } = await hub.conversations.timeline.insertMessage({
      conversationId,
      contactId: conversation!.contactId,
      seq: seq!,
      direction: 'outbound',
      kind: 'message',
      channel: 'webchat',
      inboxId: 'webchat',
      authorId: null,
      text: 'Your receipt',
      status: 'queued',
      occurredAt: new Date(),
      attachments: [
        {
          id: 'receipt',
          storageKey: stored.storageKey,
          filename: 'receipt.pdf',
          contentType: 'application/pdf',
          size: stored.size,
        },
      ],
    } as never);
    await hub.outbound.enqueue(String(message._id));
    const link = chat().locator('.msg.agent a.file-link', { hasText: 'receipt.pdf' });
    await link.waitFor({ timeout: 20_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), 'receipt.pdf');
    const chunks: Buffer[] = [];
    for await (const chunk of (await download.createReadStream()) as AsyncIterable<Buffer>)
      chunks.push(chunk);
    assert.deepEqual(Buffer.concat(chunks), pdf);
    assert.deepEqual(cspViolations, []);
  });

  it('records the CSAT the visitor gives in the widget and shows it in the reports', async () => {
    const resolved = await call(running.baseUrl, 'POST', `/api/conversations/${conversationId}/status`, {
      token: agent.token,
      body: { status: 'resolved' },
    });
    assert.equal(resolved.status, 200);
    const fourStars = chat().locator('button[aria-label="4 of 5"]');
    await fourStars.click();
    await chat().locator('.csat textarea').fill('Fast answer');
    await chat().locator('.csat button[type=submit]').click();
    await chat().locator('.csat .thanks').waitFor();
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const report = await waitUntil('csat in report', async () => {
      const answer = await call(
        running.baseUrl,
        'GET',
        `/api/reports/sla?from=${from}&to=${to}&groupBy=channel`,
        {
          token: agent.token,
        },
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.totals.csat.responses === 1 ? answer.body : null;
    });
    assert.equal(report.totals.csat.average, 4);

    const stored = await running.hub.conversations.conversations.findConversation(conversationId);
    assert.equal(stored?.csat?.score, 4);
    assert.equal(stored?.csat?.comment, 'Fast answer');
  });

  it('refuses an unsigned identity where the inbox requires one, and joins a signed one to the existing contact', async () => {
    await running.hub.channels.inboxes.create({
      name: 'Members chat',
      channel: 'webchat',
      address: 'members',
      credentials: { identitySecret: SECRET, requireIdentity: 'true' },
    });
    const existing = await running.hub.ingest.ingest(email('member@shop.example'));
    const contactId = (await running.hub.conversations.conversations.findConversation(
      existing.conversationId,
    ))!.contactId;

    const anonymous = await visitorContext.newPage();
    await anonymous.goto(`${host.url}/?inbox=members`);
    await openChat(anonymous);
    await chat(anonymous).getByText('Please sign in on this site to chat with us.').first().waitFor();
    await anonymous.close();

    const hash = identityHash(SECRET, 'member@shop.example');
    const signedUrl = `${host.url}/?inbox=members&identifier=member%40shop.example&hash=${hash}`;
    const signed = await visitorContext.newPage();
    await signed.goto(signedUrl);
    await openChat(signed);
    const input = chat(signed).locator('textarea');
    await input.fill('Member question');
    await input.press('Enter');
    await waitUntil(
      'member message',
      async () =>
        (await texts(signed)).includes('Member question') &&
        !(await chat(signed).locator('.msg.pending').count()),
    );
    const messages = await running.hub.conversations.models.Message.find({ text: 'Member question' }).lean();
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.contactId, contactId);

    // Another device (a fresh browser context): the same signed identity finds the same history.
    const otherDevice = await browser.newContext({ locale: 'en-US' });
    const phone = await otherDevice.newPage();
    await phone.goto(signedUrl);
    await openChat(phone);
    await waitUntil('history on the other device', async () =>
      (await texts(phone)).includes('Member question'),
    );
    await otherDevice.close();
  });
});

describe('web chat widget in Chromium: offline continuation by email', function () {
  this.timeout(120_000);
  let email: EmailTestHub;
  let host: { url: string; close(): Promise<void> };
  let browser: Browser;

  before(async () => {
    email = await startEmailTestHub({
      WEBCHAT_OFFLINE_GRACE_SECONDS: '1',
      WEBCHAT_PRECHAT_FIELDS: '[{"key":"name"},{"key":"email","required":true}]',
    });
    host = await startHostSite(email.running.baseUrl);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await host?.close();
    await email?.close();
  });

  it('emails the reply to a visitor who left, and their email answer shows in the chat', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(host.url);
    await page.locator('[data-omnihub-chat] button').click();
    const frame = page.frameLocator('iframe[title="Chat with us"]');
    await frame.locator('#f-name').fill('Lin');
    await frame.locator('#f-email').fill('lin@home.example');
    await frame.locator('.prechat button[type=submit]').click();
    const input = frame.locator('textarea');
    await input.fill('Is the blue teapot back?');
    await input.press('Enter');
    await waitUntil('sent', async () => (await frame.locator('.msg.visitor:not(.pending)').count()) === 1);
    const stored = await email.running.hub.conversations.models.Message.findOne({
      text: 'Is the blue teapot back?',
    }).lean();
    const conversationId = stored!.conversationId;
    await page.close(); // the visitor leaves
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const reply = await call(email.running.baseUrl, 'POST', `/api/conversations/${conversationId}/messages`, {
      token: email.token,
      body: { text: 'Yes, 3 left.' },
    });
    assert.equal(reply.status, 201);
    const [mail] = await email.outbox.waitFor(1, 30_000);
    assert.match(mail!.text ?? '', /Yes, 3 left\./);
    await email.send({
      from: 'Lin <lin@home.example>',
      to: INBOX_ADDRESS,
      subject: `Re: ${mail!.subject ?? ''}`,
      inReplyTo: mail!.messageId,
      references: [mail!.messageId!],
      text: 'Please keep one for me.',
    });

    // Back on the site: the chat shows the reply and the visitor's own email answer, in one conversation.
    const back = await context.newPage();
    await back.goto(host.url);
    const chat = back.frameLocator('iframe[title="Chat with us"]');
    await waitUntil('email answer in the chat', async () =>
      (await chat.locator('.log .msg .body').allTextContents()).includes('Please keep one for me.'),
    );
    assert.deepEqual(await chat.locator('.log .msg .body').allTextContents(), [
      'Is the blue teapot back?',
      'Yes, 3 left.',
      'Please keep one for me.',
    ]);
    await context.close();
  });
});
