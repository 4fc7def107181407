/** The `/simulator/email` page (zh-CN / en): a compose form and the outbox the catcher holds. */
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

export function renderEmailSimulatorPage(input: { inboxAddress: string }): string {
  const inbox = escapeHtml(input.inboxAddress);
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Email simulator · 邮件模拟器</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:2rem;max-width:60rem;color:#1f2933}
label{display:block;margin:.5rem 0 .2rem}input,textarea,select{width:100%;padding:.4rem;box-sizing:border-box}
textarea{height:7rem}button{margin-top:.8rem;padding:.5rem 1.2rem}
.mail{border:1px solid #cbd2d9;border-radius:6px;padding:.6rem .9rem;margin:.6rem 0;white-space:pre-wrap}
.meta{color:#616e7c;font-size:.85rem}#status{margin-left:1rem;color:#2d6a4f}
</style></head>
<body>
<h1>Email · 邮件</h1>
<p>Write to <strong>${inbox}</strong> as a customer. The mail goes to the hub over SMTP, exactly as a mail
server would send it; answers from the agent app (<a href="/app/">/app/</a>) appear in the outbox below.<br>
以客户身份给 <strong>${inbox}</strong> 写信；坐席在 <a href="/app/">/app/</a> 的回复会显示在下方收件箱。</p>
<form id="compose">
<label>From · 发件人 <input name="from" type="email" value="li.wei@example.com" required></label>
<label>Name · 姓名 <input name="name" value="李伟 Li Wei"></label>
<label>Reply to · 回复 <select name="replyTo"><option value="">— new mail · 新邮件 —</option></select></label>
<label>Subject · 主题 <input name="subject" value="宽带又断了 / Broadband down again"></label>
<label>Text · 正文 <textarea name="text" required>您好，我家的宽带从昨晚开始又断了，请尽快处理。</textarea></label>
<button type="submit">Send · 发送</button><span id="status"></span>
</form>
<h2>Outbox (what the hub sent) · 客户收件箱</h2>
<div id="outbox"><p class="meta">No mail yet · 暂无邮件</p></div>
<script>
const form = document.getElementById('compose');
const status = document.getElementById('status');
const esc = (t) => String(t ?? '').replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  status.textContent = '…';
  const body = Object.fromEntries(new FormData(form));
  if (!body.replyTo) delete body.replyTo;
  const res = await fetch('send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await res.json();
  status.textContent = res.ok ? 'Sent to ' + answer.to + ' · 已发送' : 'Failed: ' + answer.error.message;
});
async function refresh() {
  const res = await fetch('outbox.json');
  const { items } = await res.json();
  const select = form.elements.replyTo;
  const chosen = select.value;
  select.innerHTML = '<option value="">— new mail · 新邮件 —</option>' +
    items.map((m) => '<option value="' + m.id + '">' + esc(m.subject) + '</option>').join('');
  select.value = chosen;
  if (items.length) document.getElementById('outbox').innerHTML = items.map((m) =>
    '<div class="mail"><div class="meta">' + esc(m.receivedAt) + ' · ' + esc(m.from) + ' → ' + esc(m.to) +
    (m.autoSubmitted ? ' · Auto-Submitted: ' + esc(m.autoSubmitted) : '') + '<br>Reply-To: ' + esc(m.replyTo) +
    ' · In-Reply-To: ' + esc(m.inReplyTo) + '</div><strong>' + esc(m.subject) + '</strong>\\n\\n' + esc(m.text) + '</div>').join('');
}
refresh();
setInterval(refresh, 2000);
</script>
</body></html>`;
}
