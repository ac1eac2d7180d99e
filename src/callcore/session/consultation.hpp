// The consultation call state machine for both roles (seed: budu-webrtc RTCDoctor calls,
// RTCClient answers). Sans-IO (DESIGN.md §1): handle() takes one input and the caller's clock,
// poll_output() returns the effects and events it produced, in order.
//
// Call flow (docs/protocol.md): doctor call() → media → publish `enter` (enter timer) → client
// replies `enter` (answer timer) → the doctor offers while it rings (the client holds the offer
// and its candidates) → client call() → media → `accept` and the answer → trickle ICE both
// ways → connected. The doctor is the inviter and the impolite peer
// of W3C webrtc-pc §10 "Perfect Negotiation"; the client is polite.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "callcore/errors/call_error.hpp"
#include "callcore/log/logger.hpp"
#include "callcore/session/backoff.hpp"
#include "callcore/session/io.hpp"
#include "callcore/session/negotiation.hpp"
#include "callcore/signaling/vcm.hpp"

namespace callcore::session {

/// Which side of the consultation: the doctor calls (RTCDoctor), the client answers (RTCClient).
enum class Role { Doctor, Client };

/// Call states (CALL_STATE_LIST).
enum class CallState { Idle, AcquiringMedia, WaitingEnter, WaitingAnswer, Connecting, Connected, Ended };
std::string_view to_string(CallState state);

/// RTCParams (seed), as the core needs them, plus recovery settings (docs/api.md). Timeouts
/// in seconds as in the seed, recovery delays in milliseconds.
struct Params {
  std::string name;
  std::string client_id;
  std::string connection_id;                 // "" when the server assigns it (signalingUrl)
  std::vector<std::string> connections_id;   // the far side's connection ids, if known
  std::string consultation_id;
  nlohmann::json doctor = nlohmann::json::object();  // {avatarId, fullName, specialityName}
  bool is_audio = false;
  double enter_timeout_s = 60;
  double answer_timeout_s = 60;
  std::string signaling_url;                 // "" when the portal owns the socket (send)
  double ice_disconnected_grace_ms = 3000;   // 'disconnected' this long → ICE restart
  int ice_restart_max_attempts = 3;          // then the call ends (CallError 'connection')
  double ice_restart_timeout_ms = 10000;     // an attempt not connected by then has failed
  Backoff ice_backoff{1000, 8000, 0.5};      // between ICE restart attempts
  Backoff reconnect_backoff{500, 8000, 0.5}; // between signaling reconnects (built-in socket)
  std::uint64_t random_seed = 1;             // jitter source (the shell passes a random seed)
};

/// Parses RTCParams JSON. Returns the CallError 'params' naming the first invalid field when
/// name/clientId/consultationId are not non-empty strings (clientId may be a number), a
/// timeout or delay is not a positive number (iceDisconnectedGraceMs, iceRestartTimeoutMs,
/// reconnectBackoffCapMs; iceRestartMaxAttempts a positive integer), or not exactly one of
/// signalingUrl / send (`hasSend` true) is given. `randomSeed` (number) seeds the jitter.
std::variant<Params, errors::CallError> parse_params(const nlohmann::json& j);

/// Timer ids used in startTimer/cancelTimer effects.
enum TimerId : int {
  kEnterTimer = 1,       // enterTimeoutSecond
  kAnswerTimer = 2,      // answerTimeoutSecond
  kIceGraceTimer = 3,    // iceConnectionState 'disconnected' grace
  kIceRestartTimer = 4,  // an ICE restart attempt's deadline, or the backoff before the next
  kReconnectTimer = 5,   // backoff before reopening the built-in socket
};

/// One consultation call, for one role. Not copyable state is plain data: safe to move.
class ConsultationSession {
 public:
  /// `logger` must outlive the session. With a signaling URL the first output is openSignaling.
  ConsultationSession(Role role, Params params, log::Logger& logger, double now_ms);

  /// Processes one input at `now_ms` (ms, the shell's clock). Never throws.
  void handle(const Input& input, double now_ms);

  /// The next output, or nullopt when there is none left.
  std::optional<Output> poll_output();

  /// State for the JS properties: {callState, hasEntered, hasAnswered, connectionId,
  /// remote: {connectionId, clientId, name} | null, iceCandidatesQueue: [...], isInviter,
  /// isClosing, negotiating, deviceState: {isHidden, isMute}, signalingState,
  /// iceRestartAttempt, reconnectAttempt, queuedMessages}.
  nlohmann::json snapshot() const;

  /// Seed socketMessenger.createPublishMessage(type): publish shape with this side's sender.
  nlohmann::json create_publish_message(std::string_view type, const nlohmann::json& fields) const;
  /// Seed socketMessenger.createTransientMessage(connectionIds, data): transient shape;
  /// `fields.type` (string) names the message type.
  nlohmann::json create_transient_message(const std::vector<std::string>& connection_ids,
                                          const nlohmann::json& fields) const;

  CallState state() const { return state_; }

 private:
  struct Remote {
    std::string connection_id;
    std::string client_id;
    std::string name;
    nlohmann::json props;  // enter fields of the far side, incl. deviceState
  };

  void on(const in::Call&);
  void on(const in::HangUp&);
  void on(const in::Destroy&);
  void on(const in::ChangeDeviceState&);
  void on(const in::SignalingOpen&);
  void on(const in::SignalingClosed&);
  void on(const in::SignalingMessage&);
  void on(const in::MediaAcquired&);
  void on(const in::MediaFailed&);
  void on(const in::LocalDescription&);
  void on(const in::RemoteDescriptionSet&);
  void on(const in::OperationFailed&);
  void on(const in::LocalIceCandidate&);
  void on(const in::PeerStateChange&);
  void on(const in::RemoteTrack&);
  void on(const in::TimerFired&);
  void on(const in::NegotiationNeeded&);
  void on(const in::SignalingPaused&);
  void on(const in::SignalingResumed&);
  void on(const in::SendFailed&);
  void on(const in::SendMessage&);
  void on(const in::DataChannelState&);
  void on(const in::DataChannelMessage&);
  void on(const in::DataChannelSendFailed&);
  void deliver_app_message(signaling::AppMessage msg, std::string_view via);
  // Tracks by media tag and devices (consultation_media.cpp).
  void on(const in::SendTrack&);
  void on(const in::TrackControl&);
  void on(const in::TrackAdded&);
  void on(const in::TrackEnded&);
  void on(const in::SwitchDevice&);
  void on(const in::DeviceAcquired&);
  void on(const in::DeviceFailed&);
  void on_media_tags(const signaling::Message& msg);
  void announce_tags();
  nlohmann::json local_tags_json() const;
  void settle_request(int request_id, const std::optional<errors::CallError>& error);

  void on_message(const signaling::Message& msg);
  void on_enter(const signaling::Message& msg);
  void on_description(const signaling::Message& msg);
  void on_remote_candidate(const signaling::Message& msg);
  void on_remote_hang_up(std::string_view reason, std::string_view connection_id);

  void out(std::string kind, nlohmann::json data = nlohmann::json::object());
  void emit(std::string_view event_type, nlohmann::json payload, bool is_error = false);
  void log(log::Level level, std::string_view event, nlohmann::json data = nlohmann::json::object());
  void signaling_error(std::string code, std::string message, std::string_view raw = {});
  void set_state(CallState next);
  void send(nlohmann::json message);
  void send_to_remote(std::string_view type, nlohmann::json fields);
  void send_enter(const std::vector<std::string>& to);
  void send_accept();
  void start_timer(TimerId id, double seconds);
  void cancel_timer(TimerId id);
  void apply_device_state();
  void make_offer();
  void offer_if_deferred();
  void on_ice_state(std::string_view state);
  void begin_ice_restart();
  void ice_restart_attempt();
  void reset_ice_restart();
  void flush_unsent();
  bool is_duplicate(const signaling::Message& msg);
  void end_call(std::string_view reason, const std::optional<errors::CallError>& error, bool notify_remote);
  void settle_call(const std::optional<errors::CallError>& error);
  void reset_call();
  nlohmann::json own_props() const;
  nlohmann::json respondent_props() const;
  signaling::Sender sender() const;
  bool in_call() const;
  bool from_remote(const signaling::Message& msg) const;

  Role role_;
  Params params_;
  log::Logger& logger_;
  double now_ms_;
  std::deque<Output> outputs_;

  CallState state_ = CallState::Idle;
  std::string connection_id_;          // own connection id (server-assigned or params)
  bool signaling_ready_ = false;       // joined (built-in socket) or portal socket
  std::vector<nlohmann::json> unsent_; // messages waiting for the built-in socket's join
  std::optional<Remote> remote_;
  std::optional<int> pending_call_;    // request id of the unsettled call() promise
  bool has_entered_ = false;
  bool has_answered_ = false;
  bool media_ready_ = false;
  bool pc_created_ = false;
  bool is_closing_ = false;
  bool destroyed_ = false;
  bool is_hidden_ = false;
  bool is_mute_ = false;
  PerfectNegotiation negotiation_;
  bool remote_description_set_ = false;  // pc.remoteDescription is not null
  bool negotiation_deferred_ = false;    // negotiationneeded came mid-exchange: offer when done
  std::optional<nlohmann::json> held_offer_;  // client: the doctor's offer, until we answer
  std::vector<nlohmann::json> ice_queue_;  // remote candidates waiting for the remote description
  // ICE restart (iceConnectionState 'failed', or 'disconnected' past the grace).
  std::string ice_state_ = "new";
  bool ice_restarting_ = false;
  bool ice_backoff_phase_ = false;     // kIceRestartTimer is the backoff, not the deadline
  int ice_restart_attempt_ = 0;
  // Built-in socket reconnect and message ids.
  int reconnect_attempt_ = 0;
  bool joined_once_ = false;
  Random random_;
  std::string message_id_prefix_;
  std::uint64_t message_seq_ = 0;
  std::deque<std::string> seen_ids_;   // recent inbound messageIds, oldest first (bounded)
  std::set<std::string> seen_set_;
  // App messages (sendMessage): ordered by seq across the data channel and signaling.
  bool data_channel_open_ = false;
  std::uint64_t app_seq_out_ = 0;
  std::uint64_t app_seq_in_next_ = 1;
  struct PendingAppMessage {
    signaling::AppMessage message;
    std::string via;  // "dataChannel" | "signaling"
  };
  std::map<std::uint64_t, PendingAppMessage> app_pending_;  // arrived ahead of a gap
  // Local tracks by media tag ("audio", "video" from call(); "screen"; any app tag).
  struct LocalTag {
    std::string kind;       // "audio" | "video"
    std::string track_id;   // the shell's handle of the track
    std::string stream_id;  // the stream the far side sees it in ("" until added)
    bool paused = false;
  };
  std::map<std::string, LocalTag> local_tags_;
  nlohmann::json remote_tags_ = nlohmann::json::array();
  std::set<std::string> remote_streams_;
  std::set<int> active_timers_;
};

}  // namespace callcore::session
