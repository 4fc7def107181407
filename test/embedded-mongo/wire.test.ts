import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { deserialize, serialize, type Document } from 'bson';
import { startFixture, type EngineFixture } from './engine-fixture';
import { crc32c } from '../../server/embedded-mongo/storage';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

/** A raw wire client: sends bytes, reads whole replies. */
class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }
  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }
  /** Next reply, or null if none arrives within `ms`. */
  async reply(ms = 1000): Promise<{ opCode: number; responseTo: number; doc: Document } | null> {
    const deadline = Date.now() + ms;
    while (this.buf.length < 4 || this.buf.length < this.buf.readInt32LE(0)) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    const len = this.buf.readInt32LE(0);
    const msg = this.buf.subarray(0, len);
    this.buf = this.buf.subarray(len);
    const opCode = msg.readInt32LE(12);
    const responseTo = msg.readInt32LE(8);
    const docStart = opCode === OP_REPLY ? 36 : 21;
    return { opCode, responseTo, doc: deserialize(msg.subarray(docStart)) };
  }
  close(): void {
    this.socket.destroy();
  }
}

function header(length: number, requestId: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

function opMsg(
  requestId: number,
  body: Document,
  opts: { flags?: number; sequences?: Array<[string, Document[]]>; checksum?: boolean } = {},
): Buffer {
  const parts: Uint8Array[] = [Buffer.from([0]), serialize(body)];
  for (const [id, docs] of opts.sequences ?? []) {
    const payload = Buffer.concat([Buffer.from(`${id}\0`), ...docs.map((d) => serialize(d))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4);
    parts.push(Buffer.from([1]), size, payload);
  }
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE((opts.flags ?? 0) | (opts.checksum ? 1 : 0));
  const bodyBytes = Buffer.concat([flags, ...parts]);
  const length = 16 + bodyBytes.length + (opts.checksum ? 4 : 0);
  const msg = Buffer.concat([header(length, requestId, OP_MSG), bodyBytes]);
  if (!opts.checksum) return msg;
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32c(msg));
  return Buffer.concat([msg, crc]);
}

describe('embedded-mongo: wire protocol edge cases', () => {
  let fx: EngineFixture;
  let raw: RawClient;
  before(async () => {
    fx = await startFixture();
  });
  beforeEach(async () => {
    raw = await RawClient.open(fx.engine.port);
  });
  afterEach(() => raw.close());
  after(async () => {
    await fx.close();
  });

  it('answers the legacy OP_QUERY handshake with an OP_REPLY', async () => {
    const q = Buffer.concat([
      Buffer.alloc(4),
      Buffer.from('admin.$cmd\0'),
      Buffer.alloc(4),
      Buffer.from([1, 0, 0, 0]),
      serialize({ ismaster: 1, helloOk: true }),
    ]);
    raw.send(Buffer.concat([header(16 + q.length, 7, OP_QUERY), q]));
    const reply = await raw.reply();
    assert.equal(reply?.opCode, OP_REPLY);
    assert.equal(reply?.responseTo, 7);
    assert.equal(reply?.doc.ismaster, true);
    assert.equal(reply?.doc.maxWireVersion, 21);
  });

  it('appends kind-1 document sequences to the body and verifies checksums', async () => {
    raw.send(
      opMsg(
        1,
        { insert: 'seq', $db: 'wire' },
        { sequences: [['documents', [{ _id: 1 }, { _id: 2 }]]], checksum: true },
      ),
    );
    const inserted = await raw.reply();
    assert.equal(inserted?.opCode, OP_MSG);
    assert.equal(inserted?.doc.n, 2);
    const bad = opMsg(2, { ping: 1, $db: 'wire' }, { checksum: true });
    bad.writeUInt32LE((bad.readUInt32LE(bad.length - 4) + 1) >>> 0, bad.length - 4);
    raw.send(bad);
    const refused = await raw.reply();
    assert.equal(refused?.responseTo, 2);
    assert.equal(refused?.doc.ok, 0);
    assert.match(String(refused?.doc.errmsg), /checksum/);
  });

  it('sends no reply to moreToCome, but applies the write', async () => {
    raw.send(
      opMsg(
        3,
        { insert: 'quiet', documents: [{ _id: 'q' }], writeConcern: { w: 0 }, $db: 'wire' },
        { flags: 2 },
      ),
    );
    assert.equal(await raw.reply(300), null);
    raw.send(opMsg(4, { count: 'quiet', $db: 'wire' }));
    const counted = await raw.reply();
    assert.equal(counted?.responseTo, 4);
    assert.equal(counted?.doc.n, 1);
  });

  it('answers undecodable messages instead of leaving the client hanging', async () => {
    // A body whose BSON length lies.
    const broken = Buffer.concat([Buffer.alloc(4), Buffer.from([0]), Buffer.from([200, 0, 0, 0, 1, 2, 3])]);
    raw.send(Buffer.concat([header(16 + broken.length, 5, OP_MSG), broken]));
    const r1 = await raw.reply();
    assert.equal(r1?.responseTo, 5);
    assert.equal(r1?.doc.ok, 0);
    // An unsupported opcode.
    raw.send(Buffer.concat([header(20, 6, 2012), Buffer.alloc(4)]));
    const r2 = await raw.reply();
    assert.equal(r2?.responseTo, 6);
    assert.equal(r2?.doc.ok, 0);
    // The connection still works.
    raw.send(opMsg(8, { ping: 1, $db: 'admin' }));
    assert.deepEqual((await raw.reply())?.doc, { ok: 1 });
  });

  it('answers and closes on an impossible message length', async () => {
    const h = header(100_000_000, 9, OP_MSG);
    raw.send(Buffer.concat([h, Buffer.alloc(4)]));
    const r = await raw.reply();
    assert.equal(r?.responseTo, 9);
    assert.equal(r?.doc.ok, 0);
  });
});
