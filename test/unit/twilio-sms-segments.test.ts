import assert from 'node:assert/strict';
import { isGsm7, smsSegments } from '../../connectors/twilio/sms-segments';

describe('SMS segments (smsSegments)', () => {
  it('counts plain GSM-7 text: 160 characters fit one segment, 161 need two of 153', () => {
    assert.deepEqual(smsSegments('a'.repeat(160)), {
      encoding: 'GSM-7',
      segments: 1,
      units: 160,
      unitsPerSegment: 160,
      remainingInSegment: 0,
    });
    const two = smsSegments('a'.repeat(161));
    assert.equal(two.segments, 2);
    assert.equal(two.unitsPerSegment, 153);
    assert.equal(two.remainingInSegment, 153 * 2 - 161);
    assert.equal(smsSegments('a'.repeat(306)).segments, 2);
    assert.equal(smsSegments('a'.repeat(307)).segments, 3);
  });

  it('counts extension characters (€ { } [ ] ~ ^ | \\) as two septets, never split across segments', () => {
    assert.equal(smsSegments('€'.repeat(80)).units, 160);
    assert.equal(smsSegments('€'.repeat(80)).segments, 1);
    assert.equal(smsSegments('€'.repeat(81)).segments, 2);
    // 152 plain + one escape: the escape pair cannot start at position 153, so it moves to segment two.
    const info = smsSegments(`${'a'.repeat(152)}€${'a'.repeat(10)}`);
    assert.equal(info.units, 164);
    assert.equal(info.segments, 2);
    assert.equal(info.remainingInSegment, 153 - 12);
  });

  it('switches a Chinese message to UCS-2: 70 characters in one segment, then 67 per segment', () => {
    assert.equal(isGsm7('您好'), false);
    assert.deepEqual(smsSegments('您'.repeat(70)), {
      encoding: 'UCS-2',
      segments: 1,
      units: 70,
      unitsPerSegment: 70,
      remainingInSegment: 0,
    });
    assert.equal(smsSegments('您'.repeat(71)).segments, 2);
    assert.equal(smsSegments('您'.repeat(134)).segments, 2);
    assert.equal(smsSegments('您'.repeat(135)).segments, 3);
    const long =
      '尊敬的客户您好，您的投诉已受理，工单号为10234，我们将在24小时内与您联系，感谢您的耐心等待。'.repeat(3);
    const info = smsSegments(long);
    assert.equal(info.encoding, 'UCS-2');
    assert.equal(info.segments, Math.ceil(long.length / 67));
  });

  it('lets a single non-GSM character (an accented ç, an emoji) turn the whole message into UCS-2', () => {
    assert.equal(smsSegments(`${'a'.repeat(100)}ç`).encoding, 'UCS-2');
    assert.equal(smsSegments(`${'a'.repeat(100)}ç`).segments, 2);
    assert.equal(smsSegments('Ç'.repeat(10)).encoding, 'GSM-7', 'Ç is in the GSM basic table');
  });

  it('counts an emoji as two code units and never splits a surrogate pair', () => {
    assert.equal(smsSegments('😀').units, 2);
    assert.equal(smsSegments(`${'您'.repeat(68)}😀`).segments, 1, '70 code units still fit one segment');
    // 66 + an emoji would be 68 > 67: the pair moves whole to segment two (emoji + 4 = 6 units there).
    const info = smsSegments(`${'您'.repeat(66)}😀${'您'.repeat(4)}`);
    assert.equal(info.units, 72);
    assert.equal(info.segments, 2);
    assert.equal(info.remainingInSegment, 67 - 6);
  });

  it('reports an empty text as zero segments', () => {
    assert.equal(smsSegments('').segments, 0);
  });
});
