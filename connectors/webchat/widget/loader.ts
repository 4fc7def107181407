/**
 * The widget loader: what a site's one `<script src=".../widget.js?inbox=TOKEN">` runs. It adds a launcher
 * button in a shadow root (styled through the CSSOM, so a strict CSP on the host page needs no
 * `unsafe-inline`) and, when the visitor opens the chat, an iframe served by the hub that lazily loads the
 * chat UI. Attributes: `data-lang` (zh-CN | en), `data-identifier` + `data-identifier-hash` (identity),
 * `data-name`, `data-email`.
 */
import { pickLang, STRINGS } from './i18n';

(function start() {
  const script = document.currentScript as HTMLScriptElement | null;
  if (!script?.src) return;
  const src = new URL(script.src);
  const inbox = src.searchParams.get('inbox') ?? '';
  const lang = pickLang(script.dataset.lang, navigator.language || 'en');
  const text = STRINGS[lang];
  const options = {
    identifier: script.dataset.identifier,
    identifierHash: script.dataset.identifierHash,
    name: script.dataset.name,
    email: script.dataset.email,
    parentOrigin: location.origin,
  };
  const openKey = `omnihub-chat:${inbox}:open`;
  const remember = (open: boolean) => {
    try {
      if (open) localStorage.setItem(openKey, '1');
      else localStorage.removeItem(openKey);
    } catch {
      // Storage may be blocked; the chat still works, it just will not reopen by itself.
    }
  };

  const host = document.createElement('div');
  host.setAttribute('data-omnihub-chat', '');
  const shadow = host.attachShadow({ mode: 'open' });
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = `💬 ${text.launcher}`;
  button.setAttribute('aria-haspopup', 'dialog');
  button.setAttribute('aria-expanded', 'false');
  Object.assign(button.style, {
    position: 'fixed',
    right: '20px',
    bottom: '20px',
    zIndex: '2147483646',
    padding: '12px 18px',
    border: '0',
    borderRadius: '24px',
    background: '#0f766e',
    color: '#fff',
    font: "600 15px system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif",
    cursor: 'pointer',
    boxShadow: '0 4px 14px rgba(0,0,0,.25)',
  });
  button.addEventListener('focus', () => (button.style.outline = '3px solid #f59e0b'));
  button.addEventListener('blur', () => (button.style.outline = 'none'));
  shadow.appendChild(button);

  let frame: HTMLIFrameElement | null = null;
  const open = () => {
    if (!frame) {
      frame = document.createElement('iframe');
      const query = new URLSearchParams({ inbox, lang });
      frame.src = `${src.origin}/webchat/frame?${query.toString()}#${encodeURIComponent(JSON.stringify(options))}`;
      frame.title = text.title;
      Object.assign(frame.style, {
        position: 'fixed',
        right: '20px',
        bottom: '20px',
        width: 'min(380px, calc(100vw - 40px))',
        height: 'min(600px, calc(100vh - 40px))',
        border: '0',
        borderRadius: '12px',
        boxShadow: '0 8px 30px rgba(0,0,0,.3)',
        zIndex: '2147483647',
        background: '#fff',
      });
      shadow.appendChild(frame);
    }
    frame.style.display = 'block';
    button.style.display = 'none';
    button.setAttribute('aria-expanded', 'true');
    frame.focus();
    frame.contentWindow?.postMessage({ type: 'omnihub:opened' }, src.origin);
    remember(true);
  };
  const close = () => {
    if (frame) frame.style.display = 'none';
    button.style.display = 'block';
    button.setAttribute('aria-expanded', 'false');
    button.focus();
    remember(false);
  };
  button.addEventListener('click', open);
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (event.origin !== src.origin || !frame || event.source !== frame.contentWindow) return;
    const data = event.data as { type?: unknown } | null;
    if (data?.type === 'omnihub:close') close();
  });

  const mount = () => {
    document.body.appendChild(host);
    let reopen = false;
    try {
      reopen = localStorage.getItem(openKey) === '1';
    } catch {
      reopen = false;
    }
    if (reopen) open();
  };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
