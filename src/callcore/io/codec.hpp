// The one JSON codec of the core's boundary: inputs from `{kind, ...}` objects and effects to
// them. The embind bindings, the fuzz targets, the benchmarks and (later) replay all use it, so
// the shell's wire format is defined here and nowhere else (docs/architecture.md lists it).
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callcore/io/effect.hpp"
#include "callcore/io/input.hpp"

namespace callcore::io {

/// The input kind of a getStats() report handed to the core (`statsReport`).
inline constexpr std::string_view kStatsReportKind = "statsReport";

/// Decodes an input from `{kind, ...fields}`. Kinds and fields (ids are integers; `pc` names a
/// PcId, `transport` a TransportId, `trackId` a TrackId):
/// - app: call {requestId}, hangUp, destroy, changeDeviceState {isHidden?, isMute?}, sendMessage
///   {requestId, type, body}, sendTrack {requestId, tag, trackKind, trackId, paused},
///   trackControl {requestId, action: pause|resume|close, tag}, switchDevice {requestId,
///   trackKind, deviceId};
/// - transport (with `transport`): transportOpened, transportClosed {code, reason},
///   transportMessage {text}, sendFailed {message (object, or string: SIP text), reason}, transportPaused,
///   transportResumed {connectionId}, tokenProvided {token}, tokenFailed {reason};
/// - peer connection (with `pc`): localDescription {type, sdp}, remoteDescriptionSet {type},
///   operationFailed {operation, name, message}, localIceCandidate {candidate: object | null},
///   peerStateChange {event, state}, remoteTrack {trackKind, streamId}, negotiationNeeded,
///   dataChannelState {state}, dataChannelMessage {text, label?}, dataChannelSendFailed {text},
///   trackAdded {tag, streamId}, statsReport {report: array of stats dictionaries | null, error?};
/// - media: mediaAcquired {audio: trackId | null, video: trackId | null, streamId}, mediaFailed
///   {name, message, constraint}, deviceAcquired {requestId, trackKind, trackId, deviceId},
///   deviceFailed {requestId, trackKind, name, message}, trackEnded {trackId};
/// - timeout.
/// Missing or mistyped fields read as empty/zero/false (a candidate keeps only its scalar
/// members; a statsReport's entries keep only their scalar members, `report` other than an
/// array reads as null). Returns nullopt for a non-object, an unknown kind, or sendFailed without a message
/// object or string; never throws.
std::optional<Input> decode_input(const nlohmann::json& j);

/// Encodes an input as `{kind, ...fields}`, the inverse of decode_input (decode_input of the
/// result gives the same input). The fuzz target fuzz_session uses it to write what it fed as a
/// flight recording (CALLCORE_FUZZ_RECORD, docs/reliability.md) that tools/replay.hpp replays.
nlohmann::json encode_input(const Input& input);

/// The `kind` of an effect on the wire: openTransport, closeTransport, send, requestToken, createPc, closePc,
/// setLocalDescription, setRemoteDescription, addIceCandidate, restartIce, addTrack,
/// prepareSender, replaceTrack, removeTrack, dataSend, collectStats, acquireMedia, acquireDevice, setTrackEnabled,
/// releaseTrack, swapLocalTrack, stopTracks, releaseStreams, settle, emit.
std::string_view effect_kind(const Effect& effect);

/// Encodes an effect as `{kind, ...fields}` (fields: the struct's members in camelCase; ids as
/// integers; an absent track as null; settle's error as {type, message, description} or null).
/// openTransport's `protocol` and addTrack's `simulcast` are written only when set (non-empty /
/// true), so the consultation's effects keep their shape.
nlohmann::json encode(const Effect& effect);

}  // namespace callcore::io
