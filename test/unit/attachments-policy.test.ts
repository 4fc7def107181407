import assert from 'node:assert/strict';
import {
  isAllowedContentType,
  looksDangerous,
  normalizeContentType,
  sanitizeFilename,
} from '../../server/modules/attachments/attachment-policy';
import { maskSecret } from '../../server/modules/channels/inbox-views';

describe('attachment policy', () => {
  it('accepts images, pdf, audio, video, text and office documents', () => {
    for (const type of [
      'image/jpeg',
      'IMAGE/PNG; charset=binary',
      'application/pdf',
      'audio/amr',
      'audio/ogg; codecs=opus',
      'video/mp4',
      'text/plain; charset=gb2312',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.ms-excel',
    ])
      assert.equal(isAllowedContentType(type), true, type);
  });

  it('refuses html, svg, scripts, executables and unknown binaries', () => {
    for (const type of [
      'text/html',
      'image/svg+xml',
      'application/javascript',
      'application/x-msdownload',
      'application/octet-stream',
      'application/x-sh',
      'garbage',
      '',
    ])
      assert.equal(isAllowedContentType(type), false, type);
  });

  it('normalizes content types and rejects malformed ones', () => {
    assert.equal(normalizeContentType(' Image/JPEG ; q=1'), 'image/jpeg');
    assert.equal(normalizeContentType('image/jpeg/x'), null);
    assert.equal(normalizeContentType(undefined), null);
  });

  it('recognizes executables and markup whatever type was claimed', () => {
    assert.equal(looksDangerous(Buffer.from('MZ\x90\x00rest')), true);
    assert.equal(looksDangerous(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1])), true);
    assert.equal(looksDangerous(Buffer.from('#!/bin/sh\nrm -rf /')), true);
    assert.equal(looksDangerous(Buffer.from('  <!DOCTYPE html><html>')), true);
    assert.equal(looksDangerous(Buffer.from('<svg onload=alert(1)>')), true);
    assert.equal(looksDangerous(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a])), false);
    assert.equal(looksDangerous(Buffer.from('%PDF-1.7')), false);
    assert.equal(looksDangerous(Buffer.from('hello, 你好')), false);
  });

  it('keeps filenames to a display name without directories or control characters', () => {
    assert.equal(sanitizeFilename('../../etc/passwd'), 'passwd');
    assert.equal(sanitizeFilename('C:\\Users\\x\\报告.pdf'), '报告.pdf');
    assert.equal(sanitizeFilename('a\u0000b\r\n"c".txt'), 'abc.txt');
    assert.equal(sanitizeFilename('..'), 'attachment');
    assert.equal(sanitizeFilename(undefined), 'attachment');
    assert.equal(sanitizeFilename('x'.repeat(500)).length, 200);
  });
});

describe('inbox credential masking', () => {
  it('never shows a secret, only the last four characters of long ones', () => {
    assert.equal(maskSecret('0123456789abcdef0123'), '••••0123');
    assert.equal(maskSecret('hunter2'), '••••');
  });
});
