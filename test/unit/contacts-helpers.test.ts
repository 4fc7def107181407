import assert from 'node:assert/strict';
import { birthdayMonthDay } from '../../server/modules/contacts/contact-view';
import { looksLikePhone, normalizeEmail, normalizePhone } from '../../server/modules/contacts/phone';

describe('contact helpers', () => {
  describe('normalizePhone', () => {
    it('reads national Chinese mobile and landline numbers as +86', () => {
      assert.equal(normalizePhone('138 0013 8000'), '+8613800138000');
      assert.equal(normalizePhone('13800138000'), '+8613800138000');
      assert.equal(normalizePhone('010-6552 9988'), '+861065529988');
    });

    it('keeps numbers that carry their country code, whatever the punctuation or prefix', () => {
      assert.equal(normalizePhone('+1 (415) 555-2671'), '+14155552671');
      assert.equal(normalizePhone('whatsapp:+8613800138000'), '+8613800138000');
      assert.equal(normalizePhone('tel:+44 20 7946 0958'), '+442079460958');
      assert.equal(normalizePhone('0044 20 7946 0958'), '+442079460958');
    });

    it('reads national numbers in another region when asked', () => {
      assert.equal(normalizePhone('(415) 555-2671', 'US'), '+14155552671');
    });

    it('returns null for what is not a valid number', () => {
      assert.equal(normalizePhone(''), null);
      assert.equal(normalizePhone('12345'), null);
      assert.equal(normalizePhone('not a phone'), null);
      assert.equal(normalizePhone('+86 138'), null);
    });
  });

  it('tells phone-like search text from names', () => {
    assert.equal(looksLikePhone('138 0013 8000'), true);
    assert.equal(looksLikePhone('+1 (415) 555-2671'), true);
    assert.equal(looksLikePhone('王芳'), false);
    assert.equal(looksLikePhone('12'), false);
  });

  it('lowercases emails and refuses what is not one', () => {
    assert.equal(normalizeEmail('  Li.Lei@Example.CN '), 'li.lei@example.cn');
    assert.equal(normalizeEmail('mailto:wang@example.com'), 'wang@example.com');
    assert.equal(normalizeEmail('wang at example.com'), null);
    assert.equal(normalizeEmail('wang@localhost'), null);
  });

  it('derives the month and day of a birthday with or without a year', () => {
    assert.equal(birthdayMonthDay('1988-05-20'), '05-20');
    assert.equal(birthdayMonthDay('--02-29'), '02-29');
    assert.equal(birthdayMonthDay(null), null);
    assert.equal(birthdayMonthDay('May 20'), null);
  });
});
