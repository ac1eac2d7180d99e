// The budu-webrtc README's doctor page ("ЛК Врача"), compiled by tsc under `strict`
// (tests/node/package.test.js) and run in Chromium (tests/e2e/seed-usage.test.js). Between the
// BEGIN/END lines is the seed's snippet with only these changes: the import path
// ('@frontend/budu-webrtc' → 'callcore'), the `...` placeholders filled in with the portal's
// calls, and the snippet's two slips fixed (`catch (error: CallError)` → `catch (error)` and
// narrowing; `err.type` → `error.type`). The portal's own code is outside those lines.
import {
  ConnectionIceStateHandler, doctorParams, finished, HangUpHandler, showCallError, showEntered, showHangUp,
  showIceState, SocketEnterHandler,
} from './portal.js';

const params = doctorParams;

// ---- BEGIN seed README snippet (ЛК Врача) ----

// Импортируем класс webrtc для ЛК Врача, события и инстанс логерра
import {
    RTCDoctor,
    CallError,
    EVENT_LIST,
    SOCKET_MESSAGES_EVENT_LIST,
    CONNECTION_EVENT_LIST,
    logger,
} from 'callcore';

// Создаем инстанс доктора
const wrtc_doctor = new RTCDoctor(params);

// Устанавливает состояние девайсов (Опционально)
wrtc_doctor.changeDeviceState({
  isHidden: true,
  isMute: false,
});

// Подписываемся на необходимые события
wrtc_doctor.emitter.on(EVENT_LIST.HANG_UP, event => { showHangUp(event); });
wrtc_doctor.emitter.on(CONNECTION_EVENT_LIST.CONNECTION_ICE_STATE, event => { showIceState(event); });
wrtc_doctor.emitter.on(SOCKET_MESSAGES_EVENT_LIST.ENTER, event => { showEntered(event); });
// ...Или можно подписаться на все события и фильтровать уже в обработчике
wrtc_doctor.emitter.on(EVENT_LIST.ALL, event => {
    switch (event.eventType) {
        case EVENT_LIST.HANG_UP: return HangUpHandler(event)
        case CONNECTION_EVENT_LIST.CONNECTION_ICE_STATE: return ConnectionIceStateHandler(event)
        case SOCKET_MESSAGES_EVENT_LIST.ENTER: return SocketEnterHandler(event)
    }
});

// Чтобы сделать вызов необходимо вызвать метод `call`
try {
    const localStream = await wrtc_doctor.call();
} catch (error) {
    if (!(error instanceof CallError)) throw error;
    switch (error.type) {
      case 'enter': showCallError('The client did not enter the consultation', error); break;
      case 'answer': showCallError('The client did not answer', error); break;
      case 'streamError': showCallError('Check the camera and microphone', error); break;
    }
}

// Чтобы получить логи используйте инстанс логера `logger`
console.log(logger.getConnectionEvents())
console.log(logger.filter( l => l.event === 'enter'))

// ---- END seed README snippet ----

finished(wrtc_doctor);
