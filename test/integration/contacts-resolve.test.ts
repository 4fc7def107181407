import assert from 'node:assert/strict';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

describe('contact resolution', () => {
  let running: RunningTestHub;
  before(async () => {
    running = await startTestHub();
  });
  after(async () => {
    await running.close();
  });

  it('finds the contact of a known channel identity again instead of creating a second one', async () => {
    const { contacts } = running.hub.contacts;
    const first = await contacts.resolveContact({
      channel: 'telegram',
      sender: { externalId: 'tg-1', name: 'Li Lei' },
    });
    const second = await contacts.resolveContact({ channel: 'telegram', sender: { externalId: 'tg-1' } });
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(second.contactId, first.contactId);
    assert.equal((await contacts.getContact(first.contactId)).name, 'Li Lei');
  });

  it('adds an email identity to the contact that an SMS created when the phone matches', async () => {
    const { contacts } = running.hub.contacts;
    const sms = await contacts.resolveContact({ channel: 'sms', sender: { externalId: '+8613800138000' } });
    const email = await contacts.resolveContact({
      channel: 'email',
      sender: {
        externalId: 'wang@example.cn',
        email: 'Wang@Example.cn',
        phone: '138 0013 8000',
        name: 'Wang',
      },
    });
    assert.equal(email.contactId, sms.contactId);
    assert.equal(email.created, false);
    const contact = await contacts.getContact(sms.contactId);
    assert.deepEqual(contact.identities.map((i) => `${i.channel}:${i.externalId}`).sort(), [
      'email:wang@example.cn',
      'sms:+8613800138000',
    ]);
    assert.deepEqual(contact.emails, ['wang@example.cn']);
    assert.deepEqual(contact.phones, ['+8613800138000']);
  });

  it('creates one contact when two events from the same new sender are resolved concurrently', async () => {
    const { contacts } = running.hub.contacts;
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        contacts.resolveContact({
          channel: 'whatsapp',
          sender: { externalId: '+8613911112222', name: 'Zhao' },
        }),
      ),
    );
    assert.equal(new Set(results.map((r) => r.contactId)).size, 1);
    assert.equal(results.filter((r) => r.created).length, 1);
    const page = await contacts.searchContacts({ q: '+8613911112222', limit: 10 });
    assert.equal(page.items.length, 1);
  });
});
