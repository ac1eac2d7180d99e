// Tests of callcore/react (js/react.js) with React 19's server renderer: the hook reads a real
// call store and the components render their track or placeholder.
// Run: node --test tests/node/react.test.js (after npm run build)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { RTCClient, createCallStore, setDefaultCallStore } from 'callcore';
import { AudioProduce, VideoProduce, useCallStore } from 'callcore/react';

function client() {
  return new RTCClient({ name: 'Alice', clientId: 'c1', connectionId: 'conn-c', consultationId: 'r1', isAudio: false, send() {} });
}

test('useCallStore selects from the store snapshot, memoising the selector per snapshot', (t) => {
  const call = client();
  t.after(() => call.destroy());
  const store = createCallStore(call);
  let runs = 0;
  function Status() {
    const view = useCallStore(store, (s) => { runs++; return { state: s.callState, name: s.displayName }; });
    return createElement('p', null, `${view.name}: ${view.state}`);
  }
  assert.equal(renderToString(createElement(Status)), '<p>Alice: idle</p>');
  assert.equal(runs, 1, 'one selector run for one snapshot, though React reads it more than once');
  call.changeDeviceState({ isMute: true });
  function Muted() {
    return createElement('p', null, String(useCallStore(store, (s) => s.muted)));
  }
  assert.equal(renderToString(createElement(Muted)), '<p>true</p>');
});

test('VideoProduce renders onVideo without a track, and uses the default store', (t) => {
  const call = client();
  t.after(() => { call.destroy(); setDefaultCallStore(null); });
  const store = createCallStore(call);
  const html = renderToString(createElement(VideoProduce, { store, peerId: 'nobody', onVideo: createElement('span', null, 'camera off') }));
  assert.equal(html, '<span>camera off</span>');
  assert.throws(() => renderToString(createElement(AudioProduce, {})), /no store/);
  setDefaultCallStore(store);
  assert.equal(renderToString(createElement(AudioProduce, {})), '<audio autoPlay=""></audio>');
});
