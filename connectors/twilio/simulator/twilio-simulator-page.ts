/** The customer simulator page (static; its script is served separately so the CSP needs no inline code). */
export const SIMULATOR_HTML = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>Omnihub customer simulator · 客户模拟器</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:2rem;max-width:60rem;color:#222}
fieldset{border:1px solid #ccc;border-radius:8px;margin-bottom:1rem}
label{display:block;margin:.4rem 0}input,select,textarea{font:inherit;padding:.3rem;width:100%;box-sizing:border-box}
button{font:inherit;padding:.4rem 1rem;margin-top:.5rem;cursor:pointer}
pre{background:#f6f6f6;padding:.6rem;border-radius:6px;white-space:pre-wrap;max-height:20rem;overflow:auto}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.3rem;text-align:left}
</style>
</head>
<body>
<h1>Customer simulator · 客户模拟器</h1>
<p>Plays a customer through the built-in Twilio stub: every request reaches the hub as a correctly signed
Twilio webhook. Open the agent app in another tab to accept and answer.</p>
<fieldset><legend>Message (SMS / WhatsApp)</legend>
<label>Channel <select id="channel"><option value="sms">SMS</option><option value="whatsapp">WhatsApp</option></select></label>
<label>From <input id="from" value="+8613800138000"></label>
<label>Text <textarea id="text" rows="3">您好，我的宽带又断了，请尽快处理。</textarea></label>
<button id="send">Send message</button>
</fieldset>
<fieldset><legend>Phone call · 电话</legend>
<label>From <input id="callFrom" value="+8613800138000"></label>
<label>Keys (language 1 English / 2 普通话, then 1 complaint, 2 enquiry, 3 suggestion, 0 other) <input id="digits" value="21"></label>
<label>Voicemail (if nobody answers) <input id="voicemail" value="我的路由器坏了，请给我回电话。"></label>
<button id="call">Place call</button>
</fieldset>
<h2>Log</h2><pre id="log"></pre>
<h2>Outbox (what the hub sent to customers)</h2>
<table><thead><tr><th>To</th><th>Body</th><th>Status</th></tr></thead><tbody id="outbox"></tbody></table>
<script src="/simulator/twilio/app.js"></script>
</body>
</html>`;

export const SIMULATOR_JS = `
const $ = (id) => document.getElementById(id);
const log = (line) => { $('log').textContent = new Date().toLocaleTimeString() + '  ' + line + '\\n' + $('log').textContent; };
async function post(path, body) {
  const response = await fetch('/simulator/twilio/api/' + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error ? data.error.message : response.statusText);
  return data;
}
$('send').onclick = async () => {
  try {
    const data = await post('message', { channel: $('channel').value, from: $('from').value, text: $('text').value });
    log($('channel').value + ' ' + data.messageSid + ' → hub answered ' + data.hubStatus);
  } catch (error) { log('error: ' + error.message); }
};
$('call').onclick = async () => {
  log('calling… (the call plays the IVR; waiting for an agent can take a while)');
  try {
    const data = await post('call', { from: $('callFrom').value, digits: $('digits').value, voicemailText: $('voicemail').value });
    for (const said of data.said) log('🔊 [' + said.language + '] ' + said.text);
    log('call ' + data.callSid + ': ' + (data.dialed ? 'connected to ' + JSON.stringify(data.dialed) : data.recordingSid ? 'voicemail ' + data.recordingSid : 'ended') + ' after ' + data.durationSec + ' s');
  } catch (error) { log('error: ' + error.message); }
};
async function refresh() {
  try {
    const data = await (await fetch('/simulator/twilio/api/outbox')).json();
    $('outbox').replaceChildren(...data.messages.slice().reverse().map((m) => {
      const row = document.createElement('tr');
      for (const value of [m.to, m.body, m.status]) { const cell = document.createElement('td'); cell.textContent = value; row.append(cell); }
      return row;
    }));
  } catch { /* the hub restarts */ }
}
setInterval(refresh, 2000); refresh();
`;
