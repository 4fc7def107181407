/**
 * Access to the shared Twilio webhook fixtures (/work/shared/fixtures/webhooks/twilio, read-only): resolved
 * from the repository root as ../shared/fixtures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const twilioFixturesDir = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'webhooks', 'twilio');

export interface TwilioFixture {
  name: string;
  /** Fields in received order, from `<name>.json`. */
  fields: Record<string, string>;
  /** The raw urlencoded body, from `<name>.body.urlencoded`. */
  rawBody: string;
}

/** Every payload fixture (those with a `.body.urlencoded`), sorted by name. */
export function loadTwilioFixtures(): TwilioFixture[] {
  return readdirSync(twilioFixturesDir)
    .filter((file) => file.endsWith('.body.urlencoded'))
    .map((file) => file.slice(0, -'.body.urlencoded'.length))
    .sort()
    .map((name) => ({
      name,
      fields: JSON.parse(readFileSync(path.join(twilioFixturesDir, `${name}.json`), 'utf8')),
      rawBody: readFileSync(path.join(twilioFixturesDir, `${name}.body.urlencoded`), 'utf8'),
    }));
}

export function loadTwilioFixture(name: string): TwilioFixture {
  const fixture = loadTwilioFixtures().find((candidate) => candidate.name === name);
  if (!fixture) throw new Error(`no Twilio fixture ${name}`);
  return fixture;
}

export interface SignatureVectors {
  auth_token: string;
  cases: {
    name: string;
    url: string;
    params?: Record<string, string | string[]>;
    body?: string;
    expected_signature: string;
    valid: boolean;
  }[];
  authentic_requests: {
    name: string;
    file: string;
    auth_token: string;
    url: string;
    expected_signature: string;
  }[];
}

export function loadSignatureVectors(): SignatureVectors {
  return JSON.parse(readFileSync(path.join(twilioFixturesDir, 'signature_test_vectors.json'), 'utf8'));
}

/** Parses a urlencoded body the way the hub's form parser does (first value of repeated names wins). */
export function formParams(rawBody: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(rawBody));
}
