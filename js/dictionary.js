// The public enums, read from the event dictionary in C++ (src/callcore/events/), so a name
// can never differ between the core and JavaScript. At run time each is a frozen object
// `{KEY: value}`, the same object a TypeScript string enum compiles to; dist/callcore.d.ts
// declares them as `export declare enum` (generated from the same dictionary by scripts/dts.mjs).
import { core } from './core.js';

const dictionary = JSON.parse(core.dictionary());
const frozen = (group) => Object.freeze({ ...dictionary[group] });

/** App events (seed EVENT_LIST): ALL = 'allEvent', HANG_UP = 'hangUpReceiveEvent', ... */
export const EVENT_LIST = frozen('EVENT_LIST');
/** Every wire message type (seed SOCKET_MESSAGES_EVENT_LIST): ENTER = 'enter', ... */
export const SOCKET_MESSAGES_EVENT_LIST = frozen('SOCKET_MESSAGES_EVENT_LIST');
/** RTCPeerConnection events by their W3C names: CONNECTION_ICE_STATE = 'iceconnectionstatechange', ... */
export const CONNECTION_EVENT_LIST = frozen('CONNECTION_EVENT_LIST');
/** Emit types (seed EMIT_TYPE_LIST): EVENT = 'event', ERROR = 'error'. */
export const EMIT_TYPE_LIST = frozen('EMIT_TYPE_LIST');
/** Call states: IDLE = 'idle', ..., CONNECTED = 'connected', ENDED = 'ended'. */
export const CALL_STATE_LIST = frozen('CALL_STATE_LIST');
/** CallError types: ENTER = 'enter', ANSWER = 'answer', STREAM_ERROR = 'streamError', ... */
export const CALL_ERROR_TYPE_LIST = frozen('CALL_ERROR_TYPE_LIST');
/**
 * Log event names (the `event` of logger entries) besides wire types (SOCKET_MESSAGES_EVENT_LIST:
 * every signaling message sent and received is logged under its type), connection events and
 * app events: CALL_ENDED = 'callEnded', ICE_RESTART = 'iceRestart', ...
 */
export const LOG_EVENT_LIST = frozen('LOG_EVENT_LIST');
