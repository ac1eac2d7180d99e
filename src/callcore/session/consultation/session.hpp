// The consultation call for both roles (seed: budu-webrtc — RTCDoctor calls, RTCClient
// answers), as a thin state machine over one rtc::Peer and one signaling::Transport. Sans-IO:
// handle() takes one input and the shell's clock, poll_output() returns the effects and events it
// produced in order, poll_timeout() the next deadline.
//
// Call flow (docs/protocol.md): doctor call() → media → publish `enter` (enter timer) → client
// replies `enter` (answer timer) → the doctor offers while it rings (the client holds the offer
// and its candidates) → client call() → media → `accept` and the answer → trickle ICE both
// ways → connected. The doctor is the inviter and the impolite peer of W3C webrtc-pc §10
// "Perfect Negotiation"; the client is polite.
//
// Files: session.cpp (the flow), signaling.cpp (transport inputs and wire messages),
// app_messages.cpp (sendMessage over the data channel or signaling), media.cpp (tracks by media
// tag, devices), params.cpp (RTCParams).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "callcore/base/timers.hpp"
#include "callcore/errors/call_error.hpp"
#include "callcore/io/context.hpp"
#include "callcore/io/effect.hpp"
#include "callcore/io/input.hpp"
#include "callcore/log/logger.hpp"
#include "callcore/rtc/peer.hpp"
#include "callcore/session/consultation/params.hpp"
#include "callcore/signaling/transport.hpp"
#include "callcore/stats/stats.hpp"
#include "callcore/signaling/vcm/codec.hpp"

namespace callcore::session::consultation {

/// Call states (the dictionary's CALL_STATE_LIST).
enum class CallState { Idle, AcquiringMedia, WaitingEnter, WaitingAnswer, Connecting, Connected, Ended };
std::string_view to_string(CallState state);

/// The consultation's one peer connection and one transport.
inline constexpr io::PcId kPc{1};
inline constexpr io::TransportId kTransport{1};
/// Its app data channel: pre-negotiated (same SCTP id on both sides), ordered.
inline const io::fx::DataChannelConfig kAppChannel{"callcore", 0, true, true};

/// One consultation call, for one role.
class ConsultationSession {
 public:
  /// `logger` must outlive the session. With a signaling URL the first output is OpenTransport.
  ConsultationSession(Role role, Params params, log::Logger& logger, base::Ms now);

  /// Processes one input at `now` (the shell's clock). Never throws.
  void handle(const io::Input& input, base::Ms now);
  /// The next output, or nullopt when there is none left.
  std::optional<io::Effect> poll_output() { return ctx_.poll(); }
  /// The earliest deadline of the session's timers: feed a Timeout input at (or after) it.
  std::optional<base::Ms> poll_timeout() const;

  /// State for the JS properties and the store: {callState, connectStatus ('disconnected' |
  /// 'connecting' | 'connected'), hasEntered, hasAnswered, connectionId, remote: {connectionId,
  /// clientId, name} | null, peers: [{id, displayName, avatar, deviceState, quality (stats::Quality:
  /// 'unknown' until measured while connected)}], avatar (own: the
  /// doctor's avatarId on the doctor's side, else null), iceCandidatesQueue: [...], isInviter,
  /// isClosing, negotiating, deviceState: {isHidden, isMute}, signalingState, iceRestartAttempt,
  /// reconnectAttempt, queuedMessages, localStreamId (the call's local stream, "" before media),
  /// remoteStreamIds, localTracks, senders: {tag: trackId},
  /// remoteTracks}.
  nlohmann::json snapshot() const;

  /// Seed socketMessenger.createPublishMessage(type): publish shape with this side's sender.
  nlohmann::json create_publish_message(std::string_view type, const nlohmann::json& fields) const;
  /// Seed socketMessenger.createTransientMessage(connectionIds, data): transient shape;
  /// `fields.type` (string) names the message type.
  nlohmann::json create_transient_message(const std::vector<std::string>& connection_ids,
                                          const nlohmann::json& fields) const;

  CallState state() const { return state_; }
  const rtc::Peer& peer() const { return peer_; }
  const signaling::Transport& transport() const { return transport_; }
  const stats::Monitor& stats() const { return stats_; }
  /// The deadline of the enter / answer timer, when armed (tests).
  std::optional<base::Ms> enter_deadline() const { return timers_.deadline(Timer::Enter); }
  std::optional<base::Ms> answer_deadline() const { return timers_.deadline(Timer::Answer); }

 private:
  enum class Timer { Enter, Answer };
  struct Remote {
    std::string connection_id;
    std::string client_id;
    std::string name;
    nlohmann::json props;  // enter fields of the far side, incl. deviceState
  };

  // app (session.cpp, app_messages.cpp, media.cpp)
  void on(const io::in::Call&);
  void on(const io::in::HangUp&);
  void on(const io::in::Destroy&);
  void on(const io::in::ChangeDeviceState&);
  void on(const io::in::SendMessage&);
  void on(const io::in::SendTrack&);
  void on(const io::in::TrackControl&);
  void on(const io::in::SwitchDevice&);
  // transport (signaling.cpp)
  void on(const io::in::TransportOpened&);
  void on(const io::in::TransportClosed&);
  void on(const io::in::TransportMessage&);
  void on(const io::in::SendFailed&);
  void on(const io::in::TransportPaused&);
  void on(const io::in::TransportResumed&);
  void on(const io::in::TokenProvided&);
  void on(const io::in::TokenFailed&);
  // peer connection (session.cpp, app_messages.cpp, media.cpp)
  void on(const io::in::LocalDescription&);
  void on(const io::in::RemoteDescriptionSet&);
  void on(const io::in::OperationFailed&);
  void on(const io::in::LocalIceCandidate&);
  void on(const io::in::PeerStateChange&);
  void on(const io::in::RemoteTrack&);
  void on(const io::in::NegotiationNeeded&);
  void on(const io::in::DataChannelState&);
  void on(const io::in::DataChannelMessage&);
  void on(const io::in::DataChannelSendFailed&);
  void on(const io::in::TrackAdded&);
  void on(const io::in::StatsReport&);
  // media (session.cpp, media.cpp)
  void on(const io::in::MediaAcquired&);
  void on(const io::in::MediaFailed&);
  void on(const io::in::DeviceAcquired&);
  void on(const io::in::DeviceFailed&);
  void on(const io::in::TrackEnded&);
  void on_timeout();

  // wire messages (signaling.cpp)
  void on_message(const signaling::vcm::Message& msg);
  void on_enter(const signaling::vcm::Message& msg);
  void on_description(const signaling::vcm::Message& msg);
  void on_remote_hang_up(std::string_view reason, std::string_view connection_id);
  void deliver_app_message(signaling::vcm::AppMessage msg, std::string_view via);
  void on_media_tags(const signaling::vcm::Message& msg);

  // helpers
  void signaling_error(std::string code, std::string message, std::string_view raw = {});
  void send_join(const std::string& token);
  void set_state(CallState next);
  void send_to_remote(std::string_view type, nlohmann::json fields);
  /// Sends the held local description (peer_.on_local_description), then the local candidates
  /// that waited for it, in order.
  void signal_local_description();
  void send_enter(const std::vector<std::string>& to);
  void send_accept();
  void apply_device_state();
  void announce_tags();
  nlohmann::json local_tags_json() const;
  void settle(int request_id, const std::optional<errors::CallError>& error, bool with_local_stream = false);
  void end_call(std::string_view reason, const std::optional<errors::CallError>& error, bool notify_remote);
  void reset_call();
  nlohmann::json own_props() const;
  nlohmann::json respondent_props() const;
  signaling::vcm::Sender sender() const;
  std::string next_message_id();
  bool in_call() const;
  /// In a call, or connecting before the answer (preconnect.cpp): the connection's inputs count.
  bool peer_active() const { return in_call() || preconnecting_; }
  // instant answer (preconnect.cpp)
  void preconnect(const nlohmann::json& offer);
  void drop_preconnection(std::string_view why);
  /// The call is answered (both sides): Connecting, or Connected at once when the connection
  /// already is (it connected before the answer); the remote tracks held until now are told.
  void on_answered();
  void emit_remote_track(const io::in::RemoteTrack& t);
  bool from_remote(const signaling::vcm::Message& msg) const;

  Role role_;
  Params params_;
  io::Context ctx_;
  rtc::Peer peer_;
  signaling::Transport transport_;
  stats::Monitor stats_;  // getStats while connected (stats/stats.hpp)
  base::Timers<Timer, 2> timers_;

  CallState state_ = CallState::Idle;
  std::optional<Remote> remote_;
  std::optional<int> pending_call_;  // request id of the unsettled call() promise
  bool has_entered_ = false;
  bool has_answered_ = false;
  bool media_ready_ = false;
  bool is_closing_ = false;
  bool destroyed_ = false;
  bool is_hidden_ = false;
  bool is_mute_ = false;
  std::string local_stream_id_;               // the call's local MediaStream (MediaAcquired)
  std::optional<nlohmann::json> held_offer_;  // client: the doctor's offer, until we answer
  // Instant answer (docs/api.md): the client connects on the doctor's offer while it rings; the
  // remote tracks are told to the app (on both sides) only once the call is answered.
  bool preconnecting_ = false;
  std::vector<io::in::RemoteTrack> held_tracks_;
  std::string ice_state_ = "new";         // the connection's last iceConnectionState
  std::string connection_state_ = "new";  // and connectionState (W3C webrtc-pc §4.3.3)
  // Doctor: the first offer is made as soon as the connection exists (mediaAcquired), while its
  // enter is in flight. Until the client's enter names the far side, the offer and the local
  // candidates gathered for it wait here; then they go out in that order.
  std::optional<io::in::LocalDescription> unsent_description_;
  std::vector<nlohmann::json> unsent_candidates_;
  static constexpr std::size_t kMaxUnsentCandidates = 64;  // a bound on what a page can queue
  std::string message_id_prefix_;
  std::string last_seq_;         // log position of the last delivered message (`seq`), for a resume
  std::string resume_secret_;    // from the server's last `joined` (docs/protocol.md §3.1); never logged
  bool awaiting_token_ = false;  // RequestToken sent on the open socket, no answer yet
  std::uint64_t message_seq_ = 0;
  // App messages (sendMessage): ordered by seq across the data channel and signaling.
  std::uint64_t app_seq_out_ = 0;
  std::uint64_t app_seq_in_next_ = 1;
  struct PendingAppMessage {
    signaling::vcm::AppMessage message;
    std::string via;  // "dataChannel" | "signaling"
  };
  std::map<std::uint64_t, PendingAppMessage> app_pending_;  // arrived ahead of a gap
  nlohmann::json remote_tags_ = nlohmann::json::array();
  std::set<std::string> remote_streams_;
};

/// Makes a session from the shell's strings: `role` "doctor" | "client" and RTCParams JSON.
/// Returns CallError 'params' for another role or invalid params (parse_params).
std::variant<std::unique_ptr<ConsultationSession>, errors::CallError> make_session(std::string_view role,
                                                                                   const nlohmann::json& params,
                                                                                   log::Logger& logger, base::Ms now);

}  // namespace callcore::session::consultation
