// Compiled by tests/node/package.test.js with `tsc --noEmit`: callcore/sip's declarations type
// sip-connector's usage (connect, call, answer, decline, hangUp, events by their prefixed names)
// and reject misuse (@ts-expect-error).
import { CallError, EVENT_LIST, SipConnector, SipConnectorFacade, type SipConnectionConfiguration } from 'callcore/sip';

const sipConnector = new SipConnector();
sipConnector.on('connection:registrationFailed', ({ cause, statusCode, terminal }) => {
  const fatal: boolean = terminal;
  console.log(cause, statusCode, fatal);
});
sipConnector.on('incoming-call:ringing', ({ displayName, incomingNumber }) => console.log(displayName, incomingNumber));
sipConnector.on('call:failed', ({ originator, cause, statusCode }) => console.log(originator, cause, statusCode));
sipConnector.on('sipError', (error) => {
  const e: CallError = error;
  console.log(e.type, e.description);
});
sipConnector.on(EVENT_LIST.SIP_CALL_ENDED, (p) => console.log(p.cause));
// @ts-expect-error: a registered payload has no cause
sipConnector.on('connection:registered', (p) => console.log(p.cause));

async function run(mediaStream: MediaStream): Promise<void> {
  const configuration: SipConnectionConfiguration = await sipConnector.connect({
    sipServerUrl: 'vinteo.example', sipServerIp: 'vinteo.example', user: '100', password: 'secret',
    displayName: 'Ann', remoteAddress: '192.0.2.7', iceServers: [{ urls: 'stun:127.0.0.1:3478' }],
  });
  console.log(configuration.user);
  // @ts-expect-error: the configuration has no password
  console.log(configuration.password);
  const pc: RTCPeerConnection = await sipConnector.call({ number: '200', mediaStream, extraHeaders: ['X-Vinteo-Mic-State: 1'] });
  console.log(pc.connectionState, sipConnector.getRemoteStreams().mainStream?.id);
  await sipConnector.declineToIncomingCall({ statusCode: 486 });
  await sipConnector.hangUp();
  // @ts-expect-error: call() needs a number
  await sipConnector.call({ mediaStream });
  const facade = new SipConnectorFacade(sipConnector);
  const { isSuccessful } = await facade.connectToServer(() => ({ sipServerUrl: 'h', sipServerIp: 'h', user: 'u', password: 'p' }));
  console.log(isSuccessful, facade.isRegistered);
  await facade.callToServer({ conference: '300', mediaStream, onEndedCall: () => console.log('ended') });
  await sipConnector.disconnect();
}
void run;
