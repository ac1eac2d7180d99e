// The Janus API over WebSocket (subprotocol "janus-protocol"), as documented in janus-gateway's
// src/mainpage.dox ("RESTful, WebSockets, ... API": sessions, handles, WebRTC-related events,
// WebSockets interface) and implemented in src/janus.c and src/ice.c, with the VideoRoom
// plugin's bodies and events of janus/videoroom.hpp.
//
// Sans-IO: encode() turns a typed request and a transaction id the caller chose into JSON text;
// decode() turns the text of one received message into a typed message or a DecodeError.
// Neither throws, whatever the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "callcore/signaling/janus/videoroom.hpp"

namespace callcore::signaling::janus {

/// The WebSocket subprotocol Janus requires.
inline constexpr std::string_view kSubprotocol = "janus-protocol";
/// The package name of the VideoRoom plugin (attach's `plugin`, plugindata's `plugin`).
inline constexpr std::string_view kVideoRoomPlugin = "janus.plugin.videoroom";
/// Largest received message accepted, in bytes (a subscriber's offer for a large room is tens of KB).
inline constexpr std::size_t kMaxMessageBytes = 256 * 1024;
/// Longest transaction id sent or accepted, in bytes.
inline constexpr std::size_t kMaxTransactionBytes = 128;
/// Deepest nesting of objects/arrays accepted in a received message (Janus's own nest 8 levels:
/// event → plugindata → data → publishers → publisher → streams → stream → simulcast).
inline constexpr int kMaxDepth = 32;

/// A session description: `{type: "offer"|"answer", sdp}`.
struct Jsep {
  std::string type;  ///< "offer" or "answer"
  std::string sdp;   ///< non-empty
};

/// A trickled ICE candidate (W3C RTCIceCandidateInit): `{candidate, sdpMid?, sdpMLineIndex?}`.
struct IceCandidate {
  std::string candidate;                         ///< "candidate:..." line, non-empty
  std::optional<std::string> sdp_mid;
  std::optional<std::uint32_t> sdp_mline_index;
};

/// The end of a handle's candidates: `candidate: {completed: true}`.
struct EndOfCandidates {};

// ---------------------------------------------------------------------------------------------
// Requests (client → Janus). Each is sent with a `transaction` id the caller passes to encode().

/// `{"janus":"create"}` → Success with the new session's id.
struct CreateSession {};
/// `{"janus":"claim",session_id}`: takes a session over on a new WebSocket (within Janus's
/// reclaim_session_timeout) → Success.
struct ClaimSession { Id session_id = 0; };
/// `{"janus":"destroy",session_id}` → Success.
struct DestroySession { Id session_id = 0; };
/// `{"janus":"keepalive",session_id}` (at least every session_timeout, Janus's default 60 s) → Ack.
struct KeepAlive { Id session_id = 0; };
/// `{"janus":"attach",session_id,plugin:"janus.plugin.videoroom",opaque_id?}` → Success with the
/// handle's id.
struct Attach {
  Id session_id = 0;
  std::string opaque_id;  ///< optional app label of the handle
};
/// `{"janus":"detach",session_id,handle_id}` → Success (and a Detached event).
struct Detach { Id session_id = 0; Id handle_id = 0; };
/// `{"janus":"hangup",session_id,handle_id}`: closes the handle's PeerConnection → Success.
struct Hangup { Id session_id = 0; Id handle_id = 0; };
/// `{"janus":"message",session_id,handle_id,body,jsep?}` → Ack, then an Event (or Success for
/// synchronous requests). Which requests take which jsep: Publish needs an offer;
/// ConfigurePublisher may carry an offer; Start may carry an answer; the others none.
struct Message {
  Id session_id = 0;
  Id handle_id = 0;
  videoroom::Request body;
  std::optional<Jsep> jsep;
};
/// `{"janus":"trickle",session_id,handle_id,candidate|candidates}`: one candidate, several
/// (non-empty), or the end of candidates → Ack.
struct Trickle {
  Id session_id = 0;
  Id handle_id = 0;
  std::variant<IceCandidate, std::vector<IceCandidate>, EndOfCandidates> candidates;
};

/// Every Janus API request callcore sends.
using Request = std::variant<CreateSession, ClaimSession, DestroySession, KeepAlive, Attach, Detach, Hangup, Message,
                             Trickle>;

/// Why a request could not be encoded: `code` "invalidRequest" (a field breaks the rule its
/// docstring states) or "invalidText" (a string is not valid UTF-8); `message` names the field.
struct EncodeError {
  std::string code;
  std::string message;
};

using EncodeResult = std::variant<std::string, EncodeError>;

/// The compact JSON text of `request` with `transaction` (1 to kMaxTransactionBytes bytes of
/// UTF-8), e.g. `{"janus":"attach","plugin":"janus.plugin.videoroom","session_id":1,
/// "transaction":"t1"}`. Ids are written as exact integers. Never throws: invalid input yields
/// an EncodeError and nothing is sent.
EncodeResult encode(const Request& request, std::string_view transaction);

// ---------------------------------------------------------------------------------------------
// Received messages (Janus → client). `session_id` and `transaction` are 0/"" when absent;
// `sender` is the handle id.

/// `{"janus":"ack",session_id?,transaction,hint?}`: an asynchronous request was received.
struct Ack {
  std::string transaction;
  Id session_id = 0;
  std::string hint;
};
/// `{"janus":"success",transaction,session_id?,sender?,data?:{id},plugindata?}`: `id` is the new
/// session (create) or handle (attach); `plugin` a synchronous VideoRoom answer (sender set).
struct Success {
  std::string transaction;
  Id session_id = 0;
  Id sender = 0;
  std::optional<Id> id;
  std::optional<videoroom::Event> plugin;
};
/// `{"janus":"error",transaction?,session_id?,error:{code,reason}}`: codes are Janus's
/// JANUS_ERROR_* (apierror.h), e.g. 458 session not found (janus/errors.hpp maps them).
struct Error {
  std::string transaction;
  Id session_id = 0;
  int code = 0;
  std::string reason;
};
/// `{"janus":"event",session_id,sender,transaction?,plugindata:{plugin,data},jsep?}`.
struct Event {
  std::string transaction;
  Id session_id = 0;
  Id sender = 0;
  videoroom::Event plugin;
  std::optional<Jsep> jsep;
};
/// `{"janus":"webrtcup",session_id,sender}`: ICE and DTLS are up on the handle's PeerConnection.
struct WebrtcUp { Id session_id = 0; Id sender = 0; };
/// `{"janus":"media",session_id,sender,mid,type,receiving,substream?,seconds?}`: Janus started or
/// stopped receiving `type` ("audio"|"video") on `mid`; `seconds` without media when stopped.
struct Media {
  Id session_id = 0;
  Id sender = 0;
  std::string mid;
  std::string type;
  bool receiving = false;
  std::optional<int> substream;
  std::optional<std::uint32_t> seconds;
};
/// `{"janus":"slowlink",session_id,sender,mid,media,uplink,lost}`: `lost` packets in the last
/// second; `uplink` true when Janus receives badly (our sending), false when it sends badly.
struct SlowLink {
  Id session_id = 0;
  Id sender = 0;
  std::string mid;
  std::string media;  ///< "audio" or "video"
  bool uplink = false;
  std::uint64_t lost = 0;
};
/// `{"janus":"hangup",session_id,sender,reason?}`: the handle's PeerConnection closed.
struct HangupEvent {
  Id session_id = 0;
  Id sender = 0;
  std::string reason;  ///< e.g. "DTLS alert", "ICE failed", "Janus API"
};
/// `{"janus":"ice-failed",session_id,sender}`: ICE failed on the handle (Janus may still recover).
struct IceFailed { Id session_id = 0; Id sender = 0; };
/// `{"janus":"detached",session_id,sender}`: the handle is gone.
struct Detached { Id session_id = 0; Id sender = 0; };
/// `{"janus":"timeout",session_id}`: the session expired (no keepalive in session_timeout).
struct Timeout { Id session_id = 0; };
/// `{"janus":"trickle",session_id,sender,candidate}`: a Janus candidate, or nullopt for
/// `{completed: true}`.
struct TrickleEvent {
  Id session_id = 0;
  Id sender = 0;
  std::optional<IceCandidate> candidate;
};

/// Every message callcore understands from Janus.
using Inbound = std::variant<Ack, Success, Error, Event, WebrtcUp, Media, SlowLink, HangupEvent, IceFailed, Detached,
                             Timeout, TrickleEvent>;

/// Why a received message was refused. `code`: "tooLarge" (over max_bytes, or nesting deeper
/// than kMaxDepth), "malformed" (not JSON, not an object, no string `janus`), "unknownType" (a
/// `janus` or `videoroom` type callcore does not know), "unexpectedType" (a request type, which
/// only clients send), "invalidField" (a field is missing or of the wrong type or range).
struct DecodeError {
  std::string code;
  std::string message;
};

using DecodeResult = std::variant<Inbound, DecodeError>;

/// Decodes and validates one received message. Never throws; any input yields an Inbound or a
/// DecodeError. Ids must be integers 1 to 2^64-1 (read exactly); strings are valid UTF-8.
DecodeResult decode(std::string_view text, std::size_t max_bytes = kMaxMessageBytes);

/// The `janus` type of a message, e.g. "event", "webrtcup", "trickle".
std::string_view name(const Inbound& message);
/// The `janus` type of a request, e.g. "attach", "message".
std::string_view name(const Request& request);

}  // namespace callcore::signaling::janus
