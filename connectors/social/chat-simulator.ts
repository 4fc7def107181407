import express, { Router, type Response } from 'express';
import { z } from 'zod';

/**
 * A small customer simulator panel shared by the social connectors (demo mode): the user picks a customer
 * id and name, writes a message, and the connector's stub delivers it to the hub exactly as the provider
 * would (signed, in the provider's format). The log shows what the customer sent and every reply the hub
 * sent back through the stub's API.
 */
export interface ChatLogEntry {
  direction: 'customer' | 'hub';
  channel: string;
  customer: string;
  text: string;
  at: string;
  status?: string;
}

export interface ChatSimulatorBackend {
  title: string;
  /** Channels offered in the panel (Meta: messenger, instagram, whatsapp). */
  channels: readonly string[];
  /** A sample customer id for the form. */
  sampleCustomer: string;
  send(input: {
    channel: string;
    customer: string;
    name: string;
    text: string;
  }): Promise<{ hubStatus: number }>;
  log(): ChatLogEntry[];
}

const SendBody = z.object({
  channel: z.string().min(1).max(40),
  customer: z.string().regex(/^[A-Za-z0-9_+.-]{1,64}$/, 'letters, digits and _ + . - only'),
  name: z.string().trim().max(100).default(''),
  text: z.string().trim().min(1).max(2000),
});

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function page(backend: ChatSimulatorBackend): string {
  const options = backend.channels
    .map((channel) => `<option value="${escapeHtml(channel)}">${escapeHtml(channel)}</option>`)
    .join('');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(backend.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:2rem;max-width:46rem">
<p><a href="/simulator/">← simulator</a></p>
<h1>${escapeHtml(backend.title)}</h1>
<form id="f" style="display:grid;gap:.5rem;grid-template-columns:8rem 1fr">
<label for="channel">Channel · 渠道</label><select id="channel" name="channel">${options}</select>
<label for="customer">Customer id · 用户</label><input id="customer" name="customer" value="${escapeHtml(backend.sampleCustomer)}">
<label for="name">Name · 姓名</label><input id="name" name="name" value="王小明">
<label for="text">Message · 消息</label><textarea id="text" name="text" rows="3">您好，我想咨询一下订单的进度。</textarea>
<span></span><button type="submit">Send · 发送</button>
</form>
<p id="status" role="status"></p>
<ol id="log" style="list-style:none;padding:0"></ol>
<script src="app.js"></script>
</body></html>`;
}

const SCRIPT = `
const form = document.getElementById('f');
const status = document.getElementById('status');
const log = document.getElementById('log');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = Object.fromEntries(new FormData(form));
  const response = await fetch('api/send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await response.json();
  status.textContent = response.ok ? 'Delivered to the hub (HTTP ' + answer.hubStatus + ')' : (answer.error && answer.error.message) || 'failed';
  refresh();
});
async function refresh() {
  const response = await fetch('api/log');
  if (!response.ok) return;
  const { entries } = await response.json();
  log.replaceChildren(...entries.map((entry) => {
    const item = document.createElement('li');
    item.style.margin = '.4rem 0';
    item.style.textAlign = entry.direction === 'customer' ? 'left' : 'right';
    const who = entry.direction === 'customer' ? '🙋 ' + entry.customer : '🏢 hub → ' + entry.customer;
    item.textContent = '[' + entry.channel + '] ' + who + ': ' + entry.text + (entry.status ? ' (' + entry.status + ')' : '');
    return item;
  }));
}
setInterval(refresh, 1500);
refresh();
`;

/** The panel's router (mount it at `/simulator/<connector>`). */
export function createChatSimulatorRouter(backend: ChatSimulatorBackend): Router {
  const router = Router();
  const html = page(backend);
  router.get('/', (_req, res) => {
    res.type('html').send(html);
  });
  router.get('/app.js', (_req, res) => {
    res.type('application/javascript').send(SCRIPT);
  });
  router.post('/api/send', express.json({ limit: '16kb' }), async (req, res: Response) => {
    const parsed = SendBody.safeParse(req.body);
    if (!parsed.success || !backend.channels.includes(parsed.data.channel)) {
      res.status(400).json({
        error: {
          code: 'INVALID_INPUT',
          message: parsed.success ? 'unknown channel' : parsed.error.issues.map((i) => i.message).join('; '),
        },
      });
      return;
    }
    res.json(await backend.send(parsed.data));
  });
  router.get('/api/log', (_req, res) => {
    res.json({ entries: backend.log().slice(-100) });
  });
  return router;
}
