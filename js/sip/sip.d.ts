// Types of `callcore/sip` (dist/sip.d.ts; docs/sip.md): SipConnector and SipConnectorFacade
// with sip-connector's names. The shared types and the enums generated from the core's
// dictionary come from the consultation's declarations (dist/callcore.d.ts): one source of truth.
import type { CallError, EventDataMap, EVENT_LIST, Emitter } from './callcore.js';

export {
  CallError, Emitter, logger, EVENT_LIST, CALL_ERROR_TYPE_LIST, EMIT_TYPE_LIST, LOG_EVENT_LIST,
  type CallErrorMessage, type EventDataMap,
} from './callcore.js';

/** sip-connector's connection parameters (SipConnector.connect(); docs/sip.md "API"). */
export interface SipConnectionParameters {
  /** The server's host (socket wss://{sipServerUrl}/webrtc/wss/), or a ws:// / wss:// URL used as is. */
  sipServerUrl: string;
  /** The SIP domain: the AOR is sip:{user}@{sipServerIp}. */
  sipServerIp: string;
  /** Required when registering. */
  user?: string;
  /** Digest password (never logged). */
  password?: string;
  /** From's display name (spaces become '_'). */
  displayName?: string;
  /** REGISTER on connect. Default true. */
  register?: boolean;
  /** Seconds asked for the binding. Default 300. */
  registerExpires?: number;
  userAgent?: string;
  /** X-Vinteo-Remote of the REGISTER. */
  remoteAddress?: string;
  /** "Name: value" header fields of the REGISTER. */
  extraHeaders?: string[];
  /** ICE servers of calls (RTCConfiguration.iceServers). */
  iceServers?: RTCIceServer[];
  /** Reconnect delay bounds in seconds (JsSIP connection_recovery_min/max_interval). Default 2 / 6. */
  connectionRecoveryMinInterval?: number;
  connectionRecoveryMaxInterval?: number;
}

/** The configuration connect() resolves with: the parameters without the password. */
export type SipConnectionConfiguration = Omit<SipConnectionParameters, 'password'>;

/** Options of SipConnector.call(). */
export interface SipCallOptions {
  number: string | number;
  mediaStream: MediaStream;
  /** "Name: value" header fields of the INVITE. */
  extraHeaders?: string[];
  iceServers?: RTCIceServer[];
}

/** sip-connector's event names (prefix:name) → payload. */
export interface SipConnectorEvents {
  'connection:connecting': EventDataMap[EVENT_LIST.SIP_CONNECTING];
  'connection:connected': EventDataMap[EVENT_LIST.SIP_CONNECTED];
  'connection:disconnected': EventDataMap[EVENT_LIST.SIP_DISCONNECTED];
  'connection:registered': EventDataMap[EVENT_LIST.SIP_REGISTERED];
  'connection:unregistered': EventDataMap[EVENT_LIST.SIP_UNREGISTERED];
  'connection:registrationFailed': EventDataMap[EVENT_LIST.SIP_REGISTRATION_FAILED];
  'call:connecting': EventDataMap[EVENT_LIST.SIP_CALL_CONNECTING];
  'call:sending': EventDataMap[EVENT_LIST.SIP_CALL_SENDING];
  'call:progress': EventDataMap[EVENT_LIST.SIP_CALL_PROGRESS];
  'call:accepted': EventDataMap[EVENT_LIST.SIP_CALL_ACCEPTED];
  'call:confirmed': EventDataMap[EVENT_LIST.SIP_CALL_CONFIRMED];
  'call:ended': EventDataMap[EVENT_LIST.SIP_CALL_ENDED];
  'call:failed': EventDataMap[EVENT_LIST.SIP_CALL_FAILED];
  'call:newInfo': EventDataMap[EVENT_LIST.SIP_CALL_NEW_INFO];
  'incoming-call:ringing': EventDataMap[EVENT_LIST.SIP_INCOMING_RINGING];
  'incoming-call:declinedIncomingCall': EventDataMap[EVENT_LIST.SIP_INCOMING_DECLINED];
  'incoming-call:terminatedIncomingCall': EventDataMap[EVENT_LIST.SIP_INCOMING_TERMINATED];
  'incoming-call:failedIncomingCall': EventDataMap[EVENT_LIST.SIP_INCOMING_FAILED];
  sipError: CallError;
}

/** A SIP user agent with sip-connector's API (the SIP stack is callcore's C++ core). */
export declare class SipConnector {
  /** `new SipConnector()`, `new SipConnector(options)` or sip-connector's `new SipConnector({JsSIP}, options)` (JsSIP ignored). */
  constructor(first?: object, options?: object);
  readonly options: object;
  readonly emitter: Emitter;
  connectionConfig: RTCConfiguration;
  /** Resolves once registered; rejects with CallError 'params' | 'sip' | 'connection' | 'state'. */
  connect(params: SipConnectionParameters | (() => SipConnectionParameters | Promise<SipConnectionParameters>)): Promise<SipConnectionConfiguration>;
  disconnect(): Promise<void>;
  readonly isRegistered: boolean;
  readonly isConnected: boolean;
  isConfigured(): boolean;
  readonly callPhase: 'idle' | 'offering' | 'inviting' | 'ringing' | 'answering' | 'waitingAck' | 'confirmed';
  readonly connection: RTCPeerConnection | null;
  /** Resolves once confirmed; rejects with CallError 'sip' ("remote: SIP 486 Busy Here (Busy)") | 'state' | 'params'. */
  call(options: SipCallOptions): Promise<RTCPeerConnection>;
  answerToIncomingCall(options: { mediaStream: MediaStream; iceServers?: RTCIceServer[] }): Promise<RTCPeerConnection>;
  declineToIncomingCall(options?: { statusCode?: number }): Promise<void>;
  hangUp(): Promise<void>;
  sendInfo(contentType: string, body?: string, options?: { extraHeaders?: string[] }): Promise<void>;
  getRemoteStreams(): { mainStream: MediaStream | undefined; contentedStream: MediaStream | undefined };
  on<K extends keyof SipConnectorEvents>(event: K, listener: (payload: SipConnectorEvents[K]) => void): () => void;
  on<K extends keyof EventDataMap>(event: K, listener: (payload: EventDataMap[K]) => void): () => void;
  once<K extends keyof SipConnectorEvents>(event: K, listener: (payload: SipConnectorEvents[K]) => void): () => void;
  wait<K extends keyof SipConnectorEvents>(event: K): Promise<SipConnectorEvents[K]>;
  off<K extends keyof SipConnectorEvents>(event: K, listener: (payload: SipConnectorEvents[K]) => void): void;
  off<K extends keyof EventDataMap>(event: K, listener: (payload: EventDataMap[K]) => void): void;
}

/** Callbacks of SipConnectorFacade.callToServer() / answerToIncomingCall(). */
export interface SipProgressCallbacks {
  onBeforeProgressCall?: (conference?: string) => void;
  onSuccessProgressCall?: (info: { isPurgatory: boolean }) => void;
  onEnterConference?: (info: { isSuccessProgressCall: boolean }) => void;
  onFailProgressCall?: (error: unknown) => void;
  onFinishProgressCall?: () => void;
  onEndedCall?: () => void;
}

/** sip-connector's SipConnectorFacade (connect/call helpers), thin. */
export declare class SipConnectorFacade {
  constructor(sipConnector: SipConnector);
  readonly sipConnector: SipConnector;
  connectToServer(params: SipConnectionParameters | (() => SipConnectionParameters | Promise<SipConnectionParameters>)):
    Promise<{ isSuccessful: boolean; configuration?: SipConnectionConfiguration; error?: unknown }>;
  disconnectFromServer(): Promise<void>;
  callToServer(options: Omit<SipCallOptions, 'number'> & { conference: string } & SipProgressCallbacks): Promise<RTCPeerConnection>;
  answerToIncomingCall(options: { mediaStream: MediaStream; iceServers?: RTCIceServer[] } & SipProgressCallbacks): Promise<RTCPeerConnection>;
  hangUp(): Promise<void>;
  declineToIncomingCall(options?: { statusCode?: number }): Promise<void>;
  getRemoteStreams(): { mainStream: MediaStream | undefined; contentedStream: MediaStream | undefined };
  on: SipConnector['on'];
  once: SipConnector['once'];
  off: SipConnector['off'];
  readonly isRegistered: boolean;
  isConfigured(): boolean;
  readonly connection: RTCPeerConnection | null;
}
