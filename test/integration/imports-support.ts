/** Helpers shared by the imports and tiers integration tests: upload a file, follow the job to its end. */
import assert from 'node:assert/strict';
import type { Json } from './conversations-support';

export async function upload(
  baseUrl: string,
  token: string,
  path: string,
  body: string | Buffer,
  contentType = 'text/csv',
): Promise<Json> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

export async function getJson(baseUrl: string, token: string, path: string): Promise<Json> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Polls an import until it is over; returns its last view and every progress value seen. */
export async function waitForImport(
  baseUrl: string,
  token: string,
  id: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the parsed import view
): Promise<{ job: any; progress: number[] }> {
  const progress: number[] = [];
  for (;;) {
    const { status, body } = await getJson(baseUrl, token, `/api/imports/${id}`);
    assert.equal(status, 200, JSON.stringify(body));
    progress.push(body.progress as number);
    if (body.status === 'completed' || body.status === 'failed') return { job: body, progress };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Every row error of an import, through the paged report. */
export async function allRowErrors(
  baseUrl: string,
  token: string,
  id: string,
): Promise<{ row: number; line: number | null; field: string | null; message: string }[]> {
  const errors = [];
  let afterRow = 0;
  for (;;) {
    const { status, body } = await getJson(
      baseUrl,
      token,
      `/api/imports/${id}/errors?afterRow=${afterRow}&limit=250`,
    );
    assert.equal(status, 200);
    errors.push(...body.items);
    if (body.nextAfterRow === null) return errors;
    afterRow = body.nextAfterRow as number;
  }
}
