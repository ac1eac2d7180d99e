// Floods a signaling server from its own process: joins a consultation of its own with the
// token in argv[3] (a doctor's), then publishes messages of argv[4] bytes as fast as the socket
// drains, until killed. With a client token in argv[5], a second socket joins the same
// consultation and reads everything, so the flood is relayed too. URL in argv[2]. Prints
// `flooding` once joined.
import WebSocket from 'ws';

const [url, token, sizeText = '60000', readerToken] = process.argv.slice(2);
if (readerToken) {
  const reader = new WebSocket(url);
  reader.on('open', () => reader.send(JSON.stringify({ type: 'join', data: { token: readerToken } })));
  reader.on('error', () => {});
}
const ws = new WebSocket(url);
let sent = 0;
ws.on('open', () => ws.send(JSON.stringify({ type: 'join', data: { token } })));
ws.on('message', (raw) => {
  const msg = JSON.parse(raw.toString());
  if (msg.type !== 'joined') return;
  const c = msg.data.consultationId;
  const body = JSON.stringify({ route: 'vcm', data: { type: 'flood', consultationId: c, pad: 'x'.repeat(Number(sizeText)) } });
  console.log('flooding');
  // Four messages in flight: the next goes out when one was written to the kernel, so the
  // server's reading pace (its rate limit) sets ours, without a busy loop here.
  const one = () => {
    if (ws.readyState !== WebSocket.OPEN) return;
    sent += 1;
    ws.send(body, (err) => { if (!err) one(); });
  };
  const pump = () => { for (let i = 0; i < 4; i += 1) one(); };
  pump();
});
ws.on('close', (code) => {
  console.log(`closed ${code} after ${sent}`);
  process.exit(0);
});
ws.on('error', () => process.exit(0));
