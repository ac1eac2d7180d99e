// The budu-webrtc README's client page ("ЛК Клиента"), compiled by tsc under `strict`
// (tests/node/package.test.js) and run in Chromium (tests/e2e/seed-usage.test.js). Between the
// BEGIN/END lines is the seed's snippet with only these changes: the import path
// ('@frontend/budu-webrtc' → 'callcore'), the `...` placeholders filled in with the portal's
// calls, and the snippet's two slips fixed (`catch (error: CallError)` → `catch (error)` and
// narrowing; `err.type` → `error.type`). The portal's own code is outside those lines.
import {
  clientParams, ConnectionIceStateHandler, finished, HangUpHandler, showCallError, showEntered, showHangUp,
  showIceState, SocketEnterHandler,
} from './portal.js';

const params = clientParams;

// ---- BEGIN seed README snippet (ЛК Клиента) ----

// Импортируем класс webrtc для ЛК Врача, события и инстанс логерра
import {
    RTCClient,
    CallError,
    EVENT_LIST,
    SOCKET_MESSAGES_EVENT_LIST,
    CONNECTION_EVENT_LIST,
    logger,
} from 'callcore';

// Создаем инстанс доктора
const wrtc_client = new RTCClient(params);

// Устанавливаем состояние девайсов (Опционально)
wrtc_client.changeDeviceState({
  isHidden: true,
  isMute: false,
});

// Подписываемся на необходимые события
wrtc_client.emitter.on(EVENT_LIST.HANG_UP, event => { showHangUp(event); });
wrtc_client.emitter.on(CONNECTION_EVENT_LIST.CONNECTION_ICE_STATE, event => { showIceState(event); });
wrtc_client.emitter.on(SOCKET_MESSAGES_EVENT_LIST.ENTER, event => { showEntered(event); });
// ...Или можно подписаться на все события и фильтровать уже в обработчике
wrtc_client.emitter.on(EVENT_LIST.ALL, event => {
    switch (event.eventType) {
        case EVENT_LIST.HANG_UP: return HangUpHandler(event)
        case CONNECTION_EVENT_LIST.CONNECTION_ICE_STATE: return ConnectionIceStateHandler(event)
        case SOCKET_MESSAGES_EVENT_LIST.ENTER: return SocketEnterHandler(event)
    }
});

// Чтобы ответить вызов необходимо вызвать метод `call`
try {
    const localStream = await wrtc_client.call();
} catch (error) {
    if (!(error instanceof CallError)) throw error;
    switch (error.type) {
      case 'enter': showCallError('The doctor did not call', error); break;
      case 'streamError': showCallError('Check the camera and microphone', error); break;
    }
}

// Чтобы получить логи используйте инстанс логера `logger`
console.log(logger.getConnectionEvents())
console.log(logger.filter( l => l.event === 'enter'))

// ---- END seed README snippet ----

finished(wrtc_client);
