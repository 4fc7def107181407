/**
 * The demo shop page (demo mode): a small storefront that embeds the widget with its one script tag under
 * a strict Content-Security-Policy, so a new user can chat as a customer while answering in the agent app.
 * `/simulator/webchat/signed-in` is the same page for a signed-in shopper (identity verified by HMAC).
 */
import { Router } from 'express';
import type { Config } from '../../server/config';
import { identityHash } from './visitor-token';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const SHOP_CSS = `body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;color:#1f2933}
header{background:#0f766e;color:#fff;padding:1rem 2rem}main{padding:2rem;max-width:52rem}
.products{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:1rem}
.product{border:1px solid #d5dde5;border-radius:.5rem;padding:1rem}a{color:#0f766e}`;

/** The demo shopper a signed-in page identifies as. */
export const DEMO_SHOPPER = { identifier: 'shopper@example.com', name: 'Demo Shopper' };

export function createWebchatSimulatorRouter(deps: { config: Config }): Router {
  const { config } = deps;
  const router = Router();
  const page = (identity: { identifier: string; hash: string; name: string } | null) => {
    const attrs = identity
      ? ` data-identifier="${escapeHtml(identity.identifier)}" data-identifier-hash="${identity.hash}" data-name="${escapeHtml(identity.name)}"`
      : '';
    return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Demo shop · 演示商城</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="shop.css"></head>
<body><header><h1>Demo shop · 演示商城</h1></header><main>
<p>This page embeds the chat with one script tag under a strict CSP. Answer in the agent app at
<a href="/app/">/app/</a>. ${identity ? `Signed in as ${escapeHtml(identity.identifier)}.` : '<a href="signed-in">Sign in as a demo shopper</a> to try identity verification.'}</p>
<div class="products"><div class="product"><h2>Tea set · 茶具</h2><p>¥199</p></div>
<div class="product"><h2>Silk scarf · 丝巾</h2><p>¥299</p></div><div class="product"><h2>Fan · 折扇</h2><p>¥59</p></div></div>
</main>
<script src="/widget.js?inbox=${encodeURIComponent(config.WEBCHAT_PUBLIC_TOKEN)}"${attrs}></script>
</body></html>`;
  };
  const csp = (res: import('express').Response) =>
    res.set(
      'Content-Security-Policy',
      "default-src 'none'; script-src 'self'; style-src 'self'; frame-src 'self'; connect-src 'self'; img-src 'self'",
    );
  router.get('/shop.css', (_req, res) => {
    res.type('text/css').send(SHOP_CSS);
  });
  router.get('/', (_req, res) => {
    csp(res).type('html').send(page(null));
  });
  router.get('/signed-in', (_req, res) => {
    const secret = config.WEBCHAT_IDENTITY_SECRET;
    csp(res)
      .type('html')
      .send(page(secret ? { ...DEMO_SHOPPER, hash: identityHash(secret, DEMO_SHOPPER.identifier) } : null));
  });
  return router;
}
