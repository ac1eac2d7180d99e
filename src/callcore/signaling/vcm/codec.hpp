// The "vcm" consultation wire protocol (docs/protocol.md): decoding of inbound `{type, data}`
// messages with validation, and encoding of the seed's publish and transient shapes
// (budu-webrtc IPublishMessage / TransientMessage, route 'vcm').
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace callcore::signaling::vcm {

/// Largest inbound message accepted, in bytes (the reference server's limit too).
inline constexpr std::size_t kMaxMessageBytes = 64 * 1024;
/// Longest `data.messageId` accepted, in bytes.
inline constexpr std::size_t kMaxMessageIdBytes = 128;

/// Wire message types (SOCKET_MESSAGES_EVENT_LIST).
enum class MessageType { Enter, Accept, Offer, Answer, IceCandidate, DeviceState, HangUp, Message, MediaTags, Join, Leave, Joined, PeerJoined, PeerLeft, Error };

/// The wire string of a type, e.g. "iceCandidate".
std::string_view to_string(MessageType type);
/// The type for a wire string, or nullopt if unknown.
std::optional<MessageType> message_type_from(std::string_view type);

/// `sender` of call messages: {chatId, clientId, connectionId}.
struct Sender {
  std::string chat_id;
  std::string client_id;
  std::string connection_id;
};

/// A validated inbound message. `data` is the message's `data` object as received; the fields
/// a type requires were checked (see docs/protocol.md): enter has sender; offer/answer have
/// description {type: "offer"|"answer", sdp: string}; iceCandidate has candidate null or
/// {candidate: string, sdpMid?: string|null, sdpMLineIndex?: uint|null}; deviceState has
/// booleans isHidden, isMute; message has `message`, an app message {type, body, seq} (see
/// parse_app_message); mediaTags has `tracks`, an array of {tag, kind: "audio"|"video",
/// streamId, state: "sending"|"paused"} (at most 16); joined has connectionId (and boolean resumed when present);
/// peerJoined/peerLeft have connectionId (peerLeft a string reason when present); error has
/// code and message strings; a call message's messageId, when present, is a string of at most
/// kMaxMessageIdBytes bytes.
struct Message {
  MessageType type;
  Sender sender;  // empty strings for server messages (joined, peerJoined, peerLeft, error)
  nlohmann::json data;
  /// The server's log position of this message (top-level `seq`, docs/protocol.md §4.7), sent by
  /// servers that share consultations between processes; "" when absent. Sent back as
  /// `lastSeq` in a resuming join so nothing is delivered twice after a failover.
  std::string seq = {};
};

/// Why an inbound message was refused. `code`: "tooLarge", "malformed", "unknownType",
/// "invalidField", "unexpectedType" (a type that only travels outbound: join, leave).
struct DecodeError {
  std::string code;
  std::string message;
};

using DecodeResult = std::variant<Message, DecodeError>;

/// Decodes and validates one inbound message from its JSON text. Never throws; any input
/// yields either a Message or a DecodeError.
DecodeResult decode(std::string_view text, std::size_t max_bytes = kMaxMessageBytes);

/// An app message (sendMessage): `{type, body, seq}`, sent on the data channel as this JSON
/// text or on the signaling channel as `data.message` of a 'message' call message.
struct AppMessage {
  std::string type;
  nlohmann::json body;
  std::uint64_t seq = 0;
};

/// Largest app message accepted or sent, in bytes of its JSON text (a data channel message of
/// at most 16 KiB crosses every browser, RFC 8831 §6.6).
inline constexpr std::size_t kMaxAppMessageBytes = 16 * 1024;

/// Reads an app message from an object with string `type` (1–64 bytes), unsigned integer
/// `seq` >= 1 and any `body` (absent: null). Returns a DecodeError ("invalidField") otherwise.
std::variant<AppMessage, DecodeError> parse_app_message(const nlohmann::json& j);
/// Decodes an app message from data channel text (at most kMaxAppMessageBytes).
std::variant<AppMessage, DecodeError> decode_app_message(std::string_view text);

/// The wire type of an outbound message (`type`, or `data.type` for a publish message), as the
/// dictionary's constant; "unknown" for a type the protocol does not have.
std::string_view outbound_type(const nlohmann::json& message);

/// Seed createPublishMessage: `{data: {type, sender: {chatId, clientId, connectionId},
/// consultationId, ...fields}, route: 'vcm'}` (delivered to the whole consultation).
/// `fields` must be an object (or null for none); its keys are merged into `data`.
nlohmann::json make_publish(std::string_view type, const Sender& sender, std::string_view consultation_id,
                            const nlohmann::json& fields);

/// Seed createTransientMessage: `{type, chatId, data: {sender, consultationId, ...fields},
/// connectionIds}` (delivered to the listed connection ids only).
nlohmann::json make_transient(std::string_view type, const Sender& sender, std::string_view consultation_id,
                              const std::vector<std::string>& connection_ids, const nlohmann::json& fields);

}  // namespace callcore::signaling::vcm
