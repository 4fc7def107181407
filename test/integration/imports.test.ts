import assert from 'node:assert/strict';
import { scaled } from '../support/test-scale';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { loginAs } from './conversations-support';
import { allRowErrors, getJson, upload, waitForImport } from './imports-support';

/** 1,000 rows (10,000 with TEST_SCALE=10): every kind of duplicate and of bad row occurs twice or more. */
const ROWS = scaled(1_000, 100);
const DUPLICATES = ROWS / 20;
const BAD = ROWS / 100;
const CREATED = ROWS - DUPLICATES - BAD;
const phoneOf = (k: number) => `+86139${String(k).padStart(8, '0')}`;
const nationalPhoneOf = (k: number) =>
  `139 ${String(k)
    .padStart(8, '0')
    .replace(/(\d{4})(\d{4})/, '$1 $2')}`;
const emailOf = (k: number) => `person${k}@example.com`;

/**
 * ROWS rows: every 20th repeats the person of the row before it (5 %: by email in another case, by phone
 * in national format, or as a copy), and rows 50, 150, … are bad in one of five ways (1 %).
 */
function contactsFile(): { csv: string; badRows: number[]; duplicateRows: number[] } {
  const lines = ['name,email,phone,tags,tier'];
  const badRows: number[] = [];
  const duplicateRows: number[] = [];
  const bad = [
    (k: number) => `Bad ${k},not-an-email,,,`,
    (k: number) => `Bad ${k},,12345,,`,
    (k: number) => `Bad ${k},,,,`,
    (k: number) => `Bad ${k},${emailOf(k)},${phoneOf(k)},,,extra`,
    (k: number) => `Bad ${k},${emailOf(k)},,,Z`,
  ];
  for (let k = 1; k <= ROWS; k++) {
    if (k % 100 === 50) {
      badRows.push(k);
      lines.push(bad[((k - 50) / 100) % bad.length]!(k));
    } else if (k % 20 === 0) {
      duplicateRows.push(k);
      const p = k - 1;
      const variant = (k / 20) % 3;
      if (variant === 0) lines.push(`Again ${p},${emailOf(p).toUpperCase()},,returning,`);
      else if (variant === 1) lines.push(`,,${nationalPhoneOf(p)},,`);
      else lines.push(`Person ${p} copy,${emailOf(p)},${phoneOf(p)},imported,`);
    } else if (k % 7 === 0) lines.push(`Person ${k},${emailOf(k)},${phoneOf(k)},imported,B`);
    else lines.push(`Person ${k},${emailOf(k)},${phoneOf(k)},,`);
  }
  return { csv: `${lines.join('\n')}\n`, badRows, duplicateRows };
}

describe('contacts import', function () {
  // Rows are resolved one at a time through the in-process engine: at TEST_SCALE=10, 20,000 of them (dry
  // run and real) take minutes on a loaded 2-core machine.
  this.timeout(Math.max(120_000, ROWS * 120));
  let running: RunningTestHub;
  let admin: string;
  let agent: string;
  const contactsCount = () => running.hub.connection.collection('contacts').countDocuments({});

  before(async () => {
    running = await startTestHub({
      configOverrides: {
        // Polling the jobs would use up the default per-minute API budget.
        API_RATE_LIMIT_PER_MINUTE: '100000',
        IMPORT_MAX_BYTES: String(2 * 1024 * 1024),
        IMPORT_MAX_ROWS: String(ROWS),
      },
    });
    admin = (await loginAs(running, { email: 'admin@example.com', role: 'admin' })).token;
    agent = (await loginAs(running, { email: 'agent@example.com', role: 'agent' })).token;
  });
  after(async () => {
    await running.close();
  });

  it('refuses agents, unknown content types, oversized and broken files, and writes nothing', async () => {
    const csv = 'name,email\nA,a@example.com\n';
    assert.equal((await upload(running.baseUrl, agent, '/api/imports/contacts', csv)).status, 403);
    const unsupported = await upload(running.baseUrl, admin, '/api/imports/contacts', csv, 'text/plain');
    assert.equal(unsupported.status, 415);
    const huge = await upload(
      running.baseUrl,
      admin,
      '/api/imports/contacts',
      'x'.repeat(2 * 1024 * 1024 + 1),
    );
    assert.equal(huge.status, 413);
    const tooManyRows = `email\n${Array.from({ length: ROWS + 1 }, (_, i) => `r${i}@example.com`).join('\n')}`;
    const rows = await upload(running.baseUrl, admin, '/api/imports/contacts', tooManyRows);
    assert.equal(rows.status, 413);
    assert.match(rows.body.error.message, new RegExp(`more than ${ROWS} rows`));
    const unclosed = await upload(
      running.baseUrl,
      admin,
      '/api/imports/contacts',
      'name,email\n"A,a@example.com\n',
    );
    assert.equal(unclosed.status, 400);
    assert.match(unclosed.body.error.message, /line 2/);
    const badJson = await upload(
      running.baseUrl,
      admin,
      '/api/imports/contacts',
      '[{"email":',
      'application/json',
    );
    assert.equal(badJson.status, 400);
    const unknownKind = await upload(running.baseUrl, admin, '/api/imports/planets', csv);
    assert.equal(unknownKind.status, 404);
    assert.equal(await contactsCount(), 0);
    assert.equal((await getJson(running.baseUrl, admin, '/api/imports')).body.items.length, 0);
  });

  it(`imports ${ROWS} contacts with 5 % duplicates and 1 % bad rows: right counts, one error row per bad row, and a dry run that predicted them`, async () => {
    const { csv, badRows, duplicateRows } = contactsFile();
    assert.equal(duplicateRows.length, DUPLICATES);
    assert.equal(badRows.length, BAD);

    const dry = await upload(running.baseUrl, admin, '/api/imports/contacts?dryRun=1', csv);
    assert.equal(dry.status, 202, JSON.stringify(dry.body));
    assert.equal(dry.body.totalRows, ROWS);
    const dryRun = await waitForImport(running.baseUrl, admin, dry.body.id);
    assert.equal(dryRun.job.status, 'completed', dryRun.job.failure);
    assert.deepEqual(dryRun.job.counts, {
      created: CREATED,
      updated: 0,
      duplicates: DUPLICATES,
      failed: BAD,
    });
    assert.equal(await contactsCount(), 0, 'a dry run writes no contact');

    const started = await upload(running.baseUrl, admin, '/api/imports/contacts', csv);
    assert.equal(started.status, 202);
    const { job, progress } = await waitForImport(running.baseUrl, admin, started.body.id);
    assert.equal(job.status, 'completed', job.failure);
    assert.deepEqual(job.counts, { created: CREATED, updated: 0, duplicates: DUPLICATES, failed: BAD });
    assert.equal(job.processedRows, ROWS);
    assert.equal(progress.at(-1), 100);
    assert.deepEqual(
      [...progress].sort((a, b) => a - b),
      progress,
      'progress only moves forward',
    );
    assert.equal(await contactsCount(), CREATED);

    const errors = await allRowErrors(running.baseUrl, admin, started.body.id);
    assert.deepEqual(
      errors.map((error) => error.row),
      badRows,
    );
    const byRow = new Map(errors.map((error) => [error.row, error]));
    assert.equal(byRow.get(50)!.field, 'email');
    assert.match(byRow.get(150)!.message, /phone: must be a valid phone number/);
    assert.match(byRow.get(250)!.message, /needs an email, a phone/);
    assert.match(byRow.get(350)!.message, /expected 5 fields, found 6/);
    assert.equal(byRow.get(450)!.field, 'tier');
    assert.equal(byRow.get(50)!.line, 51, 'the CSV line, header included');

    const report = await fetch(`${running.baseUrl}/api/imports/${started.body.id}/errors.csv`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(report.status, 200);
    assert.match(report.headers.get('content-type') ?? '', /text\/csv/);
    const reportLines = (await report.text()).trim().split('\n');
    assert.equal(reportLines[0], 'row,line,field,message,excerpt');
    assert.equal(reportLines.length, BAD + 1);
  });

  it('resolves an imported person as ingest does: the same contact when they write in, by email or by phone', async () => {
    const k = 21;
    const [byEmail] = await running.hub.contacts.contacts
      .searchContacts({ q: emailOf(k), limit: 5 })
      .then((p) => p.items);
    assert.ok(byEmail);
    assert.deepEqual(byEmail.phones, [phoneOf(k)]);
    const email = await running.hub.contacts.contacts.resolveContact({
      channel: 'email',
      sender: { externalId: emailOf(k), email: emailOf(k) },
    });
    assert.deepEqual(email, { contactId: byEmail.id, created: false });
    const sms = await running.hub.contacts.contacts.resolveContact({
      channel: 'sms',
      sender: { externalId: phoneOf(k), phone: phoneOf(k) },
    });
    assert.deepEqual(sms, { contactId: byEmail.id, created: false });
    // Row 60 repeated row 59's person by email in capitals, with a tag and another name.
    const repeated = (await running.hub.contacts.contacts.searchContacts({ q: emailOf(59), limit: 5 })).items;
    assert.equal(repeated.length, 1);
    assert.deepEqual(repeated[0]!.tags, ['returning']);
    assert.equal(repeated[0]!.name, 'Again 59');
    // Every 7th unique row gives a tag and a tier.
    const tagged = (await running.hub.contacts.contacts.searchContacts({ q: emailOf(35), limit: 5 }))
      .items[0]!;
    assert.deepEqual([tagged.tags, tagged.tier], [['imported'], 'B']);
  });

  it('updates contacts that existed before, from JSON and JSON Lines, and a dry run agrees with the real run', async () => {
    const existing = await running.hub.contacts.contacts.resolveContact({
      channel: 'telegram',
      sender: { externalId: 'tg-777', name: 'Telegram person', phone: '+8613700007777' },
    });
    const rows = [
      { name: '电话客户', phone: '13700007777', tags: ['from-json'], attributes: { crmId: 'C-1' } },
      { email: 'fresh@example.com', channel: 'telegram', externalId: 'tg-777' },
      { email: 'new.one@example.com', birthday: '1990-05-04', locale: 'zh-CN' },
      { email: 'broken', phone: '+8613700007777' },
      'not an object',
    ];
    const json = JSON.stringify(rows);
    const dry = await upload(
      running.baseUrl,
      admin,
      '/api/imports/contacts?dryRun=true',
      json,
      'application/json',
    );
    const dryJob = (await waitForImport(running.baseUrl, admin, dry.body.id)).job;
    const real = await upload(running.baseUrl, admin, '/api/imports/contacts', json, 'application/json');
    const realJob = (await waitForImport(running.baseUrl, admin, real.body.id)).job;
    assert.deepEqual(realJob.counts, { created: 1, updated: 1, duplicates: 1, failed: 2 });
    assert.deepEqual(dryJob.counts, realJob.counts);
    const contact = await running.hub.contacts.contacts.getContact(existing.contactId);
    assert.equal(contact.name, '电话客户');
    assert.deepEqual(contact.emails, ['fresh@example.com']);
    assert.deepEqual(contact.tags, ['from-json']);
    assert.deepEqual(contact.attributes, { crmId: 'C-1' });
    const errors = await allRowErrors(running.baseUrl, admin, real.body.id);
    assert.deepEqual(
      errors.map((error) => [error.row, error.field]),
      [
        [4, 'email'],
        [5, null],
      ],
    );

    const jsonl =
      '{"email":"lines@example.com","name":"Lines"}\n{not json\n\n{"email":"lines@example.com"}\n';
    const lines = await upload(
      running.baseUrl,
      admin,
      '/api/imports/contacts',
      jsonl,
      'application/x-ndjson',
    );
    const linesJob = (await waitForImport(running.baseUrl, admin, lines.body.id)).job;
    assert.deepEqual(linesJob.counts, { created: 1, updated: 0, duplicates: 1, failed: 1 });
    const [lineError] = await allRowErrors(running.baseUrl, admin, lines.body.id);
    assert.deepEqual([lineError!.row, lineError!.line, lineError!.message], [2, 2, 'not valid JSON']);
  });
});
