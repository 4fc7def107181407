/**
 * Attachments and mentions in the composer, in Debian's Chromium against a whole hub with the email
 * connector live (SMTP listener in, outbound mail into a local SMTP stub that records it): an agent
 * attaches a PNG and a PDF to an email reply, sees the chips (Send waits while an upload runs), sends, the
 * customer's mail at the stub carries both files byte for byte, and the timeline shows the image inline and
 * the PDF as a download; a file over ATTACHMENT_MAX_BYTES and a web page are refused with the reason in
 * the agent's language (zh-CN) and nothing is stored or sent; a mention in a note shows as `@Name` in the
 * box and is sent as the token, and deleting part of it drops it.
 */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startEmailTestHub, INBOX_ADDRESS, type EmailTestHub } from '../support/email-hub';
import { waitFor } from '../support/twilio-hub';
import { ensureUiBuilt, launchChromium, PASSWORD, screenshot, signIn } from './agent-ui.support';

const MAX_BYTES = 64 * 1024;
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(3000, 0x41), Buffer.from('\n%%EOF')]);

describe('composer attachments and mentions in Chromium (email, SMTP stub)', function () {
  this.timeout(180_000);
  let hub: EmailTestHub;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const agent = { email: 'attach.agent@test.omnihub', name: '陈晨', id: '' };
  const colleague = { email: 'attach.colleague@test.omnihub', name: 'Li Na', id: '' };

  async function newPage(locale: string): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    return context.newPage();
  }

  /** A customer mails the hub; resolves with the conversation (id, number). */
  async function customerMails(from: string, subject: string, text: string) {
    await hub.send({ from, to: INBOX_ADDRESS, subject, text });
    return waitFor(
      async () => {
        const found = (await hub.conversations(`?q=${encodeURIComponent(subject)}&limit=20`)).find(
          (c: { subject?: string }) => c.subject === subject,
        );
        return found ? { id: found.id as string, number: found.number as number } : undefined;
      },
      `the conversation of "${subject}"`,
      30_000,
    );
  }

  const uploadCount = () =>
    hub.running.hub.conversations.models.Message.db.collection('conversation_uploads').countDocuments();

  before(async () => {
    ensureUiBuilt();
    hub = await startEmailTestHub({ ATTACHMENT_MAX_BYTES: String(MAX_BYTES) });
    browser = await launchChromium();
    const agents = hub.running.hub.agents.agents;
    for (const person of [agent, colleague])
      person.id = (
        await agents.createAgent(
          { email: person.email, name: person.name, password: PASSWORD, role: 'supervisor', teamIds: [] },
          null,
        )
      ).id;
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    let index = 0;
    for (const context of contexts)
      for (const page of context.pages())
        await page
          .screenshot({ path: `/tmp/composer-attachments-failure-${index++}.png` })
          .catch(() => undefined);
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await hub?.close();
  });

  it('attaches a PNG and a PDF to an email reply: chips, Send waits for uploads, the mail carries both, the timeline shows them', async () => {
    const conversation = await customerMails(
      'wang.fang@example.com',
      'Invoice for order 2231',
      '请发一下发票',
    );
    const page = await newPage('en-US');
    await signIn(page, hub.running.baseUrl, agent.email, `/app/conversations/${conversation.number}`);
    const composer = page.locator('form.composer');
    await composer.getByLabel('Message text').fill('Here are the receipt and the invoice.');

    // Hold the PDF's upload at the door so its running state can be seen.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/attachments?filename=invoice.pdf', async (route) => {
      await gate;
      await route.continue();
    });
    const attach = composer.getByRole('button', { name: 'Attach files' });
    await attach.focus();
    assert.equal(await attach.evaluate((button) => button === document.activeElement), true, 'focusable');
    // A real picture (drawn by the browser's canvas) so the inline image shows in the screenshot.
    const png = Buffer.from(
      await page.evaluate(() => {
        const canvas = document.createElement('canvas');
        canvas.width = 160;
        canvas.height = 90;
        const context = canvas.getContext('2d')!;
        context.fillStyle = '#1d4ed8';
        context.fillRect(0, 0, 160, 90);
        context.fillStyle = '#fff';
        context.font = '20px sans-serif';
        context.fillText('RECEIPT 2231', 12, 52);
        return canvas.toDataURL('image/png').split(',')[1]!;
      }),
      'base64',
    );
    await composer.getByTestId('attach-input').setInputFiles([
      { name: 'receipt.png', mimeType: 'image/png', buffer: png },
      { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: PDF },
    ]);
    const chips = composer.getByTestId('attachment-chips');
    await chips.locator('[data-state=ready]', { hasText: 'receipt.png' }).waitFor();
    const pending = chips.locator('[data-state=uploading]', { hasText: 'invoice.pdf' });
    await pending.waitFor();
    assert.match(await pending.innerText(), /Uploading/);
    const send = composer.getByRole('button', { name: 'Send', exact: true });
    assert.equal(await send.isDisabled(), true, 'Send waits while an upload runs');
    await composer.getByTestId('uploads-waiting').waitFor();
    release();
    await chips.locator('[data-state=ready]', { hasText: 'invoice.pdf' }).waitFor();
    await page.unroute('**/attachments?filename=invoice.pdf');
    assert.match(await chips.innerText(), /receipt\.png\s*\d+(\.\d)?\s?(B|kB)\b/);
    assert.match(await chips.innerText(), /invoice\.pdf\s*3(\.\d)?\s?kB/);
    assert.equal(
      await chips.getByRole('button', { name: 'Remove invoice.pdf' }).count(),
      1,
      'a remove control',
    );
    assert.equal(await send.isDisabled(), false);
    // The email's own subject and a copy.
    const subject = composer.getByLabel('Subject');
    assert.match(await subject.inputValue(), /^Re: /, 'the subject starts as Re: the conversation');
    await subject.fill('Receipt and invoice for order 2231');
    await composer.getByLabel('Cc').fill('finance@example.com, li.na@example.com');
    await screenshot(page, 'composer-attachments');
    await send.click();

    const mail = await waitFor(
      () =>
        Promise.resolve(
          hub.outbox.received.find((m) => m.attachments.some((a) => a.filename === 'invoice.pdf')),
        ),
      'the reply with files at the SMTP stub',
      30_000,
    );
    assert.match(mail.text ?? '', /^Here are the receipt and the invoice\.\n/);
    assert.match(mail.subject ?? '', /^Receipt and invoice for order 2231 \[#\d+\]$/);
    const cc = [mail.cc ?? []].flat().flatMap((a) => a.value.map((v) => v.address));
    assert.deepEqual(cc, ['finance@example.com', 'li.na@example.com']);
    const files = new Map(mail.attachments.map((a) => [a.filename, a]));
    assert.equal(files.size, 2);
    assert.equal(files.get('receipt.png')?.contentType, 'image/png');
    assert.deepEqual(files.get('receipt.png')?.content, png);
    assert.equal(files.get('invoice.pdf')?.contentType, 'application/pdf');
    assert.deepEqual(files.get('invoice.pdf')?.content, PDF);

    const entry = page.locator('.timeline .msg', { hasText: 'Here are the receipt and the invoice.' });
    await entry
      .locator('img.inline-image[alt="receipt.png"][src^="data:image/png"]')
      .waitFor({ timeout: 30_000 });
    await entry.getByRole('button', { name: /invoice\.pdf.*Download/ }).waitFor();
    assert.equal(await chips.count(), 0, 'the sent chips are gone');
    assert.equal(await composer.getByLabel('Message text').inputValue(), '');
    assert.match(await subject.inputValue(), /^Re: /, 'the next reply starts from the default subject');
    assert.equal(await composer.getByLabel('Cc').inputValue(), '');
    await screenshot(page, 'composer-attachments-sent');
  });

  it('refuses a file over the size limit and a web page with the reason in Chinese, and sends nothing', async () => {
    const conversation = await customerMails('li.lei@example.com', 'Contract scan 8812', '合同扫描件呢？');
    const page = await newPage('zh-CN');
    await signIn(page, hub.running.baseUrl, agent.email, `/app/conversations/${conversation.number}`);
    const uploadsBefore = await uploadCount();
    const mailsBefore = hub.outbox.received.length;
    const composer = page.locator('form.composer');
    await composer.getByTestId('attach-input').setInputFiles([
      { name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(MAX_BYTES + 4096, 0x41) },
      { name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<html><p>hi</p></html>') },
    ]);
    const chips = composer.getByTestId('attachment-chips');
    const tooLarge = chips.locator('[data-state=refused]', { hasText: 'scan.pdf' });
    const wrongType = chips.locator('[data-state=refused]', { hasText: 'page.html' });
    await tooLarge.waitFor();
    await wrongType.waitFor();
    assert.match(await tooLarge.getByRole('alert').innerText(), /“scan\.pdf”太大，无法添加/);
    assert.match(await wrongType.getByRole('alert').innerText(), /“page\.html”无法添加：不接受此类文件/);
    const text = await chips.innerText();
    assert.doesNotMatch(text, /Failed to fetch|too large|not accepted|PAYLOAD|UNSUPPORTED/i);
    await screenshot(page, 'composer-attachments-refused');

    // The reply still goes, without them; nothing was stored for them and no file reaches the customer.
    await composer.getByLabel('消息内容').fill('请稍等，我重新扫描。');
    await composer.getByRole('button', { name: '发送', exact: true }).click();
    await page.locator('.timeline .msg', { hasText: '请稍等，我重新扫描。' }).waitFor({ timeout: 30_000 });
    const reply = await waitFor(
      () => Promise.resolve(hub.outbox.received.slice(mailsBefore).find((m) => m.text?.includes('重新扫描'))),
      'the reply at the SMTP stub',
      30_000,
    );
    assert.equal(reply.attachments.length, 0, 'no file went out');
    assert.equal(await uploadCount(), uploadsBefore, 'no upload was stored');
    const entries = await hub.timeline(conversation.id);
    assert.ok(entries.every((e: { attachments?: unknown[] }) => !e.attachments?.length));
    assert.equal(await chips.count(), 0, 'the refused chips are cleared with the send');
  });

  it('takes files dropped on the composer and pasted into the box, keeps them across a switch of conversation, × removes one, and a note keeps the rest', async () => {
    const other = await customerMails('zhao.yun@example.com', 'Second box 7711', '第二箱呢');
    const conversation = await customerMails('sun.li@example.com', 'Delivery photo 7710', '快递照片');
    const page = await newPage('en-US');
    await signIn(page, hub.running.baseUrl, agent.email, `/app/conversations/${conversation.number}`);
    await page.locator('form.composer').getByRole('button', { name: 'Internal note', exact: true }).click();
    const composer = page.locator('form.composer');
    const dropped = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['order 7710, box 2 of 2'], 'packing-list.txt', { type: 'text/plain' }));
      return transfer;
    });
    await composer.dispatchEvent('dragover', { dataTransfer: dropped });
    await composer.dispatchEvent('drop', { dataTransfer: dropped });
    // A paste as the browser fires it (a ClipboardEvent carrying the file), into the message box.
    await composer.getByLabel('Message text').evaluate((box) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['date,status\n12-03,delivered\n'], 'tracking.csv', { type: 'text/csv' }));
      box.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }),
      );
    });
    const chips = composer.getByTestId('attachment-chips');
    await chips.locator('[data-state=ready]', { hasText: 'packing-list.txt' }).waitFor();
    await chips.locator('[data-state=ready]', { hasText: 'tracking.csv' }).waitFor();
    const remove = chips.getByRole('button', { name: 'Remove tracking.csv' });
    await remove.focus();
    await remove.press('Enter');
    await chips.locator('li', { hasText: 'tracking.csv' }).waitFor({ state: 'detached' });

    // Switching to another conversation and back keeps the chips (in memory while the app is open).
    await page.getByRole('button', { name: /zhao\.yun@example\.com/ }).click();
    await page.waitForURL(new RegExp(`/conversations/${other.number}$`));
    await page.locator('.timeline', { hasText: '第二箱呢' }).waitFor();
    assert.equal(await composer.getByTestId('attachment-chips').count(), 0, 'not on another conversation');
    await page.getByRole('button', { name: /sun\.li@example\.com/ }).click();
    await page.waitForURL(new RegExp(`/conversations/${conversation.number}$`));
    await chips.locator('[data-state=ready]', { hasText: 'packing-list.txt' }).waitFor();
    await page.locator('form.composer').getByRole('button', { name: 'Internal note', exact: true }).click();

    await composer.getByLabel('Message text').fill('Packing list from the warehouse');
    await composer.getByLabel('Message text').press('Control+Enter');
    const note = page.locator('.msg.kind-note', { hasText: 'Packing list from the warehouse' });
    await note.getByRole('button', { name: /packing-list\.txt.*Download/ }).waitFor({ timeout: 30_000 });
    const stored = await waitFor(
      async () =>
        (await hub.timeline(conversation.id)).find((e: { text?: string }) =>
          e.text?.startsWith('Packing list'),
        ),
      'the stored note',
    );
    assert.deepEqual(
      (stored.attachments as { filename: string }[]).map((a) => a.filename),
      ['packing-list.txt'],
    );
  });

  it('shows a picked mention as @Name in the note box, sends the token, and drops a mention partly deleted', async () => {
    const conversation = await customerMails('zhou.min@example.com', 'Refund status 5540', '退款到哪一步了');
    const page = await newPage('en-US');
    await signIn(page, hub.running.baseUrl, agent.email, `/app/conversations/${conversation.number}`);
    await page.locator('form.composer').getByRole('button', { name: 'Internal note', exact: true }).click();
    const box = page.getByLabel('Message text');
    await box.fill('Please check @Li');
    await page.getByTestId('mention-picker').getByRole('option', { name: /Li Na/ }).waitFor();
    await box.press('Enter');
    await waitFor(async () => (await box.inputValue()) === 'Please check @Li Na ', 'the @Name in the box');
    await box.pressSequentially('today');
    await box.press('Control+Enter');
    const note = page.locator('.msg.kind-note', { hasText: 'Please check' });
    await note.locator(`.mention[data-agent-id="${colleague.id}"]`, { hasText: '@Li Na' }).waitFor();
    const stored = await waitFor(
      async () =>
        (await hub.timeline(conversation.id)).find((e: { text?: string }) =>
          e.text?.startsWith('Please check'),
        ),
      'the stored note',
    );
    assert.equal(stored.text, `Please check @[Li Na](${colleague.id}) today`);

    // Pick again, then delete the last letter of the name: the note goes as typed, with no mention.
    await box.fill('Also @Li');
    await page.getByTestId('mention-picker').getByRole('option', { name: /Li Na/ }).waitFor();
    await box.press('Enter');
    await waitFor(async () => (await box.inputValue()) === 'Also @Li Na ', 'the second @Name');
    await box.press('Backspace');
    await box.press('Backspace');
    await box.pressSequentially(' thanks');
    await box.press('Control+Enter');
    await page.locator('.msg.kind-note', { hasText: 'Also @Li N thanks' }).waitFor();
    const plain = await waitFor(
      async () =>
        (await hub.timeline(conversation.id)).find((e: { text?: string }) => e.text?.startsWith('Also')),
      'the second note',
    );
    assert.equal(plain.text, 'Also @Li N thanks');
  });
});
