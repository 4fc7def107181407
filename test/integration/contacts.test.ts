/* eslint-disable @typescript-eslint/require-await -- the fake data owners implement an async interface synchronously */
import assert from 'node:assert/strict';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call as callApi, type Json } from './conversations-support';

describe('contacts API', () => {
  let running: RunningTestHub;
  const tokens: Record<'agent' | 'supervisor' | 'admin', string> = { agent: '', supervisor: '', admin: '' };

  /** The shared JSON helper, signed in as one of this suite's users. */
  function call(
    method: string,
    path: string,
    options: { as?: keyof typeof tokens; body?: unknown } = {},
  ): Promise<Json> {
    return callApi(running.baseUrl, method, path, {
      body: options.body,
      ...(options.as ? { token: tokens[options.as] } : {}),
    });
  }

  const resolve = (
    channel: string,
    sender: { externalId: string; name?: string; email?: string; phone?: string },
  ) => running.hub.contacts.contacts.resolveContact({ channel, sender });

  before(async () => {
    running = await startTestHub();
    for (const role of ['agent', 'supervisor', 'admin'] as const) {
      await running.hub.agents.agents.createAgent(
        { email: `${role}@example.com`, name: role, password: 'correct horse battery', role },
        null,
      );
      const login = await call('POST', '/api/auth/login', {
        body: { email: `${role}@example.com`, password: 'correct horse battery' },
      });
      tokens[role] = login.body.token;
    }
  });
  after(async () => {
    await running.close();
  });

  it('answers 401 to contact routes without a token', async () => {
    assert.equal((await call('GET', '/api/contacts')).status, 401);
    assert.equal((await call('GET', '/api/organizations')).status, 401);
  });

  it('lets agents search contacts by name, email and national phone number', async () => {
    const { contactId } = await resolve('email', {
      externalId: 'liu.yang@example.cn',
      email: 'liu.yang@example.cn',
      phone: '+8613700001111',
      name: '刘洋',
    });
    for (const q of ['刘洋', 'liu.yang@', '137 0000 1111']) {
      const { status, body } = await call('GET', `/api/contacts?q=${encodeURIComponent(q)}`, { as: 'agent' });
      assert.equal(status, 200);
      assert.deepEqual(
        body.items.map((c: { id: string }) => c.id),
        [contactId],
        `search for ${q}`,
      );
    }
  });

  it('pages through contacts by cursor without repeating any', async () => {
    for (let i = 0; i < 5; i++) await resolve('telegram', { externalId: `page-${i}`, name: `Page ${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const { body } = await call('GET', `/api/contacts?q=Page&limit=2${query}`, { as: 'agent' });
      seen.push(...body.items.map((c: { id: string }) => c.id));
      cursor = body.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen).size, 5);
  });

  it('edits a contact, with its organization shown in the 360 view', async () => {
    const { contactId } = await resolve('sms', { externalId: '+8613600002222' });
    const org = await call('POST', '/api/organizations', { as: 'agent', body: { name: '华东贸易有限公司' } });
    assert.equal(org.status, 201);
    const patched = await call('PATCH', `/api/contacts/${contactId}`, {
      as: 'agent',
      body: {
        name: '陈静',
        tier: 'VIP',
        tags: ['wholesale'],
        organizationId: org.body.id,
        birthday: '1988-05-20',
        attributes: { 会员号: 'M-001' },
      },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.tier, 'VIP');
    const detail = await call('GET', `/api/contacts/${contactId}`, { as: 'agent' });
    assert.equal(detail.body.contact.name, '陈静');
    assert.equal(detail.body.organization.name, '华东贸易有限公司');
    assert.equal(detail.body.contact.attributes['会员号'], 'M-001');
    const bad = await call('PATCH', `/api/contacts/${contactId}`, { as: 'agent', body: { tier: 'Z' } });
    assert.equal(bad.status, 400);
  });

  it('reads the network across contact → organization → parent organization and back to colleagues', async () => {
    const parent = (await call('POST', '/api/organizations', { as: 'admin', body: { name: 'Group HQ' } }))
      .body;
    const branch = (
      await call('POST', '/api/organizations', {
        as: 'admin',
        body: { name: 'Shenzhen branch', parentId: parent.id },
      })
    ).body;
    const partner = (
      await call('POST', '/api/organizations', { as: 'admin', body: { name: 'Logistics partner' } })
    ).body;
    await call('POST', `/api/organizations/${parent.id}/relationships`, {
      as: 'admin',
      body: { organizationId: partner.id, kind: 'supplier' },
    });
    const { contactId: alice } = await resolve('wechat', { externalId: 'wx-alice', name: 'Alice' });
    const { contactId: bob } = await resolve('wechat', { externalId: 'wx-bob', name: 'Bob' });
    await call('PATCH', `/api/contacts/${alice}`, { as: 'agent', body: { organizationId: branch.id } });
    await call('PATCH', `/api/contacts/${bob}`, { as: 'agent', body: { organizationId: branch.id } });

    const { status, body } = await call('GET', `/api/contacts/${alice}/network?depth=3`, { as: 'agent' });
    assert.equal(status, 200);
    const names = body.nodes.map((n: { name: string }) => n.name).sort();
    assert.deepEqual(names, ['Alice', 'Bob', 'Group HQ', 'Logistics partner', 'Shenzhen branch']);
    const parentEdge = body.edges.find((e: { kind: string }) => e.kind === 'parent');
    assert.deepEqual(parentEdge, {
      from: { type: 'organization', id: branch.id },
      to: { type: 'organization', id: parent.id },
      kind: 'parent',
    });
    const shallow = await call('GET', `/api/contacts/${alice}/network?depth=1`, { as: 'agent' });
    assert.deepEqual(shallow.body.nodes.map((n: { name: string }) => n.name).sort(), [
      'Alice',
      'Shenzhen branch',
    ]);
    const fromOrg = await call('GET', `/api/organizations/${partner.id}/network?depth=4`, { as: 'agent' });
    assert.ok(fromOrg.body.nodes.some((n: { name: string }) => n.name === 'Alice'));
  });

  describe('merge', () => {
    it('is refused to agents', async () => {
      const a = await resolve('telegram', { externalId: 'merge-refused-a' });
      const b = await resolve('telegram', { externalId: 'merge-refused-b' });
      const { status } = await call('POST', `/api/contacts/${a.contactId}/merge`, {
        as: 'agent',
        body: { targetContactId: b.contactId },
      });
      assert.equal(status, 403);
    });

    it('moves identities, emails and phones to the target, once, however often it is run', async () => {
      const moved: [string, string][] = [];
      const unregister = running.hub.contacts.contacts.registerContactDataOwner({
        name: 'test-owner',
        moveContact: async (from, to) => {
          moved.push([from, to]);
        },
        exportContact: async () => null,
        eraseContact: async () => undefined,
      });
      const merged: unknown[] = [];
      const off = running.hub.events.on('contact.merged', (payload) => {
        merged.push(payload);
      });
      try {
        const source = await resolve('whatsapp', { externalId: '+8613500003333', name: 'Zhou (WhatsApp)' });
        const target = await resolve('email', {
          externalId: 'zhou@example.cn',
          email: 'zhou@example.cn',
          name: 'Zhou',
        });
        const first = await call('POST', `/api/contacts/${source.contactId}/merge`, {
          as: 'supervisor',
          body: { targetContactId: target.contactId },
        });
        assert.equal(first.status, 200);
        assert.equal(first.body.alreadyMerged, false);
        assert.deepEqual(first.body.target.identities.map((i: { channel: string }) => i.channel).sort(), [
          'email',
          'whatsapp',
        ]);
        assert.deepEqual(first.body.target.phones, ['+8613500003333']);
        assert.equal(first.body.source.mergedInto, target.contactId);
        assert.deepEqual(first.body.source.identities, []);

        const second = await call('POST', `/api/contacts/${source.contactId}/merge`, {
          as: 'supervisor',
          body: { targetContactId: target.contactId },
        });
        assert.equal(second.status, 200);
        assert.equal(second.body.alreadyMerged, true);
        assert.deepEqual(second.body.target.identities, first.body.target.identities);
        assert.deepEqual(second.body.target.emails, first.body.target.emails);
        assert.deepEqual(moved, [[source.contactId, target.contactId]]);
        assert.equal(merged.length, 1);

        // The old identity now resolves to the target.
        const again = await resolve('whatsapp', { externalId: '+8613500003333' });
        assert.equal(again.contactId, target.contactId);

        const audit = await call('GET', `/api/audit?action=contact.merged&subjectId=${target.contactId}`, {
          as: 'supervisor',
        });
        assert.equal(audit.body.items.length, 1);
        assert.equal(audit.body.items[0].details.sourceContactId, source.contactId);

        const elsewhere = await resolve('telegram', { externalId: 'merge-elsewhere' });
        const conflict = await call('POST', `/api/contacts/${source.contactId}/merge`, {
          as: 'admin',
          body: { targetContactId: elsewhere.contactId },
        });
        assert.equal(conflict.status, 409);
      } finally {
        unregister();
        off();
      }
    });

    it('finishes a merge whose data owner failed half-way when it is run again', async () => {
      let failures = 1;
      const unregister = running.hub.contacts.contacts.registerContactDataOwner({
        name: 'flaky-owner',
        moveContact: async () => {
          if (failures-- > 0) throw new Error('crash in the middle');
        },
        exportContact: async () => null,
        eraseContact: async () => undefined,
      });
      try {
        const source = await resolve('sms', { externalId: '+8613400004444' });
        const target = await resolve('telegram', { externalId: 'resume-target', name: 'Resume' });
        const crashed = await call('POST', `/api/contacts/${source.contactId}/merge`, {
          as: 'admin',
          body: { targetContactId: target.contactId },
        });
        assert.equal(crashed.status, 500);
        const resumed = await call('POST', `/api/contacts/${source.contactId}/merge`, {
          as: 'admin',
          body: { targetContactId: target.contactId },
        });
        assert.equal(resumed.status, 200);
        assert.equal(resumed.body.alreadyMerged, false);
        assert.deepEqual(resumed.body.target.phones, ['+8613400004444']);
        assert.deepEqual(resumed.body.target.identities.map((i: { channel: string }) => i.channel).sort(), [
          'sms',
          'telegram',
        ]);
      } finally {
        unregister();
      }
    });
  });

  describe('export and erasure', () => {
    it('exports the contact with its organization and every data owner’s data, audited', async () => {
      const unregister = running.hub.contacts.contacts.registerContactDataOwner({
        name: 'conversations-fake',
        moveContact: async () => undefined,
        exportContact: async (id) => ({ conversations: [{ contactId: id, subject: 'Refund' }] }),
        eraseContact: async () => undefined,
      });
      try {
        const { contactId } = await resolve('email', {
          externalId: 'export@example.cn',
          email: 'export@example.cn',
          name: 'Export Me',
        });
        const org = (await call('POST', '/api/organizations', { as: 'admin', body: { name: 'Export Org' } }))
          .body;
        await call('PATCH', `/api/contacts/${contactId}`, { as: 'agent', body: { organizationId: org.id } });
        assert.equal((await call('GET', `/api/contacts/${contactId}/export`, { as: 'agent' })).status, 403);
        const { status, body } = await call('GET', `/api/contacts/${contactId}/export`, { as: 'supervisor' });
        assert.equal(status, 200);
        assert.equal(body.contact.name, 'Export Me');
        assert.deepEqual(body.contact.emails, ['export@example.cn']);
        assert.equal(body.organization.name, 'Export Org');
        assert.deepEqual(body.data['conversations-fake'], {
          conversations: [{ contactId, subject: 'Refund' }],
        });
        const audit = await call('GET', `/api/audit?action=contact.exported&subjectId=${contactId}`, {
          as: 'admin',
        });
        assert.equal(audit.body.items.length, 1);
      } finally {
        unregister();
      }
    });

    it('anonymises an erased contact, keeps its id and tier, asks owners to erase, and is idempotent', async () => {
      const erased: string[] = [];
      const unregister = running.hub.contacts.contacts.registerContactDataOwner({
        name: 'erase-owner',
        moveContact: async () => undefined,
        exportContact: async () => null,
        eraseContact: async (id) => {
          erased.push(id);
        },
      });
      try {
        const { contactId } = await resolve('sms', {
          externalId: '+8613300005555',
          email: 'forget.me@example.cn',
          name: 'Forget Me',
        });
        await call('PATCH', `/api/contacts/${contactId}`, {
          as: 'agent',
          body: { tier: 'A', birthday: '--02-29', attributes: { note: 'x' } },
        });
        assert.equal(
          (await call('POST', `/api/contacts/${contactId}/erase`, { as: 'supervisor' })).status,
          403,
        );
        const first = await call('POST', `/api/contacts/${contactId}/erase`, { as: 'admin' });
        assert.equal(first.status, 200);
        const contact = first.body.contact;
        assert.equal(contact.id, contactId);
        assert.equal(contact.name, 'Erased contact');
        assert.equal(contact.tier, 'A');
        assert.deepEqual([contact.emails, contact.phones, contact.identities], [[], [], []]);
        assert.equal(contact.birthday, null);
        assert.deepEqual(contact.attributes, {});
        assert.ok(contact.erasedAt);
        const second = await call('POST', `/api/contacts/${contactId}/erase`, { as: 'admin' });
        assert.equal(second.body.alreadyErased, true);
        assert.deepEqual(erased, [contactId]);
        const search = await call('GET', '/api/contacts?q=Forget', { as: 'admin' });
        assert.equal(search.body.items.length, 0);
        // The same sender writing again is a new customer record, not the erased one.
        const fresh = await resolve('sms', { externalId: '+8613300005555' });
        assert.notEqual(fresh.contactId, contactId);
        const audit = await call('GET', `/api/audit?action=contact.erased&subjectId=${contactId}`, {
          as: 'admin',
        });
        assert.equal(audit.body.items.length, 1);
      } finally {
        unregister();
      }
    });
  });
});
