// A multi-party room on a Janus VideoRoom (docs/room.md, "Room session"), as a sans-IO state
// machine over one signaling::Transport (WebSocket, subprotocol "janus-protocol") and two
// rtc::Peers: the publisher (PcId 1, sends the local tracks) and one multistream subscriber
// (PcId 2, receives everybody else's). handle() takes one input and the shell's clock,
// poll_output() returns the effects and events it produced in order, poll_timeout() the next
// deadline — the same contract as the consultation (docs/architecture.md).
//
// Flow (Janus API: janus-gateway src/mainpage.dox; VideoRoom: src/plugins/janus_videoroom.c):
// call() → getUserMedia + open the socket → create (session) → attach (publisher handle) →
// join as publisher → `joined` (participants) → publish (offer → configured + answer) and
// attach a subscriber handle → join as subscriber with every publisher's streams → Janus's
// offer → answer → start. Publishers arriving/leaving later: subscribe / unsubscribe (update)
// on the same handle, each answered by a new offer. keepalive every `keepalive` ms. hangUp():
// leave + detach + destroy, then every pc, track and timer is released.
//
// Every request carries a transaction id and waits in an ordered in-flight list until Janus
// answers it (success / error / the plugin's event; keepalive and trickle: ack) or its timeout
// passes (CallError 'room'). Janus errors become CallErrors through janus/errors.hpp. A message
// that does not decode, or names another session, changes nothing: a `roomError` event (decode
// failures) or a log entry (stale ones).
//
// Reconnect: a dropped socket is reopened with backoff (signaling::Transport); the Janus session
// is then claimed when it may still live (Janus destroys it `session_timeout` after the last
// sign of life) and no request other than keepalive/trickle was lost with the socket; else —
// and when Janus answers the claim or a keepalive with 458 (session not found), when a claim or
// a request of the join sequence times out, or on a Janus `timeout` event — a new session is
// created, the room joined again (under the same participant id) and every publisher
// resubscribed, keeping participants, mute states and selected layers.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "callcore/base/backoff.hpp"
#include "callcore/base/timers.hpp"
#include "callcore/errors/call_error.hpp"
#include "callcore/io/context.hpp"
#include "callcore/io/effect.hpp"
#include "callcore/io/input.hpp"
#include "callcore/log/logger.hpp"
#include "callcore/rtc/peer.hpp"
#include "callcore/session/room/presence.hpp"
#include "callcore/signaling/janus/codec.hpp"
#include "callcore/signaling/transport.hpp"

namespace callcore::session::room {

namespace janus = signaling::janus;

/// The publisher's and the subscriber's peer connections, and the one Janus socket.
inline constexpr io::PcId kPublisherPc{1};
inline constexpr io::PcId kSubscriberPc{2};
inline constexpr io::TransportId kTransport{1};
/// The publisher's data channel (sendData; Janus relays what it carries to the subscribers of
/// our data stream under a channel labelled with our participant id), and the subscriber's own
/// channel (opens the SCTP association from our side, as janus.js does; Janus sends nothing on
/// it). In-band (DATA_CHANNEL_OPEN, RFC 8832): Janus creates the relayed channels that way.
inline const io::fx::DataChannelConfig kPublisherData{"callcore-room", 0, /*negotiated=*/false, /*ordered=*/true};
inline const io::fx::DataChannelConfig kSubscriberData{"callcore-room-in", 0, /*negotiated=*/false, /*ordered=*/true};
/// The media tag of the screen share (the consultation's, docs/media-tags.md): published as a
/// second video whose Janus stream description is this tag, so the others' trackAdded names it.
inline constexpr std::string_view kScreenTag = "screen";
/// The longest sendData text (bytes of UTF-8): within every browser's SCTP max-message-size
/// (Chromium 256 KiB, Firefox 1 GiB, RFC 8841 default 64 KiB) and Janus's relay buffer.
inline constexpr std::size_t kMaxDataBytes = 16 * 1024;

/// How a room session is set up (from the app's options JSON, parse_config()).
struct RoomConfig {
  std::string url;                    ///< signalingUrl: the Janus WebSocket URL (ws:// or wss://)
  janus::Id room = 0;                 ///< the VideoRoom room id, >= 1
  std::string display;                ///< display name shown to the others
  std::optional<janus::Id> id;        ///< participant id to ask for (Janus picks one when absent)
  std::string pin;                    ///< the room's pin, if any
  std::string token;                  ///< the room's invitation token, if any
  bool audio = true;                  ///< publish the microphone
  bool video = true;                  ///< publish the camera
  /// getUserMedia's constraints of each kind (W3C mediacapture-streams MediaTrackConstraints):
  /// the `audio` / `video` option when it is an object (e.g. {width: 1280, height: 720}), else
  /// `true`/`false` as the boolean says.
  nlohmann::json audio_constraints = true;
  nlohmann::json video_constraints = true;
  bool use_simulcast = false;         ///< the camera as three simulcast encodings
  bool auto_reconnect = true;         ///< reopen a dropped socket (reclaim / rejoin)
  base::Ms keepalive{25000};          ///< keepalive period; Janus's session_timeout is 60 s by default
  base::Ms request_timeout{10000};    ///< an unanswered request fails after this
  base::Ms session_timeout{60000};    ///< Janus's session_timeout: past it a claim cannot succeed
  base::Backoff reconnect{base::Ms(500), base::Ms(8000), 0.5};  ///< socket reopen delays
  rtc::IceRestartPolicy ice;          ///< the publisher's ICE restarts
  std::uint64_t random_seed = 1;      ///< jitter and transaction-id source
};

/// Reads the options `{signalingUrl, room, display?, id?, pin?, token?, audio?, video?,
/// useSimulcast?, autoReconnect?, keepaliveSecond?, requestTimeoutSecond?,
/// sessionTimeoutSecond?, randomSeed?}`: `room` and `id` are integers >= 1 or their decimal
/// text (64-bit ids beyond 2^53 must be text in JavaScript); seconds are positive numbers;
/// `audio` / `video` a boolean (publish it or not) or an object of MediaTrackConstraints (publish
/// it, captured with those constraints; at most 4 KiB of JSON).
/// Returns CallError 'params' naming the first invalid field.
std::variant<RoomConfig, errors::CallError> parse_config(const nlohmann::json& options);

/// The room's connection as the app sees it (connectionStatusChanged).
enum class Status { Disconnected, Connecting, Connected, Reconnecting };
std::string_view to_string(Status status);

/// A Janus request of the session, by purpose (what its answer completes).
enum class RequestKind {
  Create, Claim, KeepAlive, Destroy, AttachPublisher, AttachSubscriber, Detach, JoinPublisher, Publish,
  ConfigurePublisher, Leave, JoinSubscriber, UpdateSubscription, Start, ConfigureSubscriber, Trickle
};
std::string_view to_string(RequestKind kind);

/// One request waiting for Janus's answer.
struct InFlight {
  std::string transaction;
  RequestKind kind;
  base::Ms deadline;    ///< fails with a CallError 'room' when not answered by then
  bool acked = false;   ///< Janus acknowledged it (its event is still to come)
};

/// A remote participant (a publisher of the room) as the session knows it.
struct Participant {
  std::string display;     ///< the name, without the state callcore appends (presence.hpp)
  bool audio = true;       ///< its microphone is on (its enableAudio), as its display says
  bool video = true;       ///< its camera is on (its enableVideo), as its display says
  std::vector<janus::videoroom::PublisherStream> streams;  ///< as Janus last listed them
};

/// What a mid of the subscriber connection carries.
struct ReceivedTrack {
  janus::Id feed = 0;      ///< the participant
  std::string feed_mid;    ///< the participant's own mid
  std::string kind;        ///< "audio" | "video"
  std::string tag;         ///< the stream's description when given (e.g. "screen"), else the kind
};

/// The simulcast layers asked for a participant's video (0 lowest – 2 highest).
struct Layers {
  std::optional<int> substream;
  std::optional<int> temporal;
};

class RoomSession {
 public:
  /// `logger` must outlive the session. Nothing happens before call().
  RoomSession(RoomConfig config, log::Logger& logger, base::Ms now);

  /// Processes one input at `now`. App inputs: call {requestId} = joinCall (settled once
  /// joined, or with the CallError that stopped it), hangUp / destroy = leaveCall,
  /// changeDeviceState {isMute → enableAudio(!isMute), isHidden → enableVideo(!isHidden)},
  /// sendTrack {tag 'screen', kind video, track} = shareScreen(track) (a second published
  /// video, described to Janus as "screen"; renegotiated), trackControl {close, 'screen'} =
  /// stopScreenShare() (also when the browser ends the track: "Stop sharing");
  /// sendMessage {requestId, body: text} = sendData(text) (settled once handed to the data
  /// channel, or with CallError 'params' (not a string, empty, over kMaxDataBytes) / 'state'
  /// (not joined, or the data channel not open yet)); the other app requests are refused
  /// (CallError 'state'). Never throws.
  void handle(const io::Input& input, base::Ms now);
  /// selectLayers(participantId, substream, temporal) at `now`: the simulcast layers to receive
  /// of that participant's video (configure substream/temporal per mid); nullopt lifts a limit
  /// (asks for 2, the highest). Kept across a rejoin. Unknown participant: logged, nothing sent.
  void select_layers(janus::Id participant, std::optional<int> substream, std::optional<int> temporal, base::Ms now);
  /// The next output, or nullopt.
  std::optional<io::Effect> poll_output() { return ctx_.poll(); }
  /// The earliest deadline of the session's timers (keepalive, request timeouts, socket reopen,
  /// the publisher's ICE restarts): feed a Timeout input at or after it.
  std::optional<base::Ms> poll_timeout() const;

  /// State for the shell and the store: {connectStatus, joined, room (text), participantId
  /// (text | null), sessionId (text | null), audioEnabled, videoEnabled, publishing,
  /// screenSharing (a 'screen' sender is published or about to be),
  /// data: {sending (our data channel is open: sendData works), receiving (the subscriber's
  /// SCTP association is up: the others' data arrives)},
  /// participants: [{id, display, tracks: {tag: {kind, mid (ours, "" until received),
  /// receiving}}, layers: {substream, temporal} | null}], inFlight: [{transaction, request}],
  /// reconnectAttempt}. Ids are decimal text (64-bit).
  nlohmann::json snapshot() const;

  Status status() const { return status_; }
  janus::Id session_id() const { return session_id_; }
  janus::Id participant_id() const { return participant_id_; }
  const std::deque<InFlight>& in_flight() const { return in_flight_; }
  const std::map<janus::Id, Participant>& participants() const { return participants_; }
  const std::map<std::string, ReceivedTrack>& received() const { return received_; }
  const rtc::Peer& publisher() const { return publisher_; }
  const rtc::Peer& subscriber() const { return subscriber_; }
  std::optional<base::Ms> keepalive_deadline() const { return timers_.deadline(Timer::KeepAlive); }

 private:
  enum class Timer { KeepAlive, Request, Unsubscribe };
  enum class Phase { Idle, Creating, Claiming, Attaching, Joining, Joined };

  // app
  void on(const io::in::Call&);
  void on(const io::in::HangUp&) { leave(std::nullopt); }
  void on(const io::in::Destroy&) { leave(std::nullopt); }
  void on(const io::in::ChangeDeviceState&);
  void on(const io::in::SendMessage&);
  void on(const io::in::SendTrack&);
  void on(const io::in::TrackControl&);
  template <typename R>
  void on_unsupported(const R& request, std::string_view what);
  // transport
  void on_opened();
  void on_closed(int code, std::string_view reason);
  void on_text(const std::string& text);
  // peer connections
  void on_pc(rtc::Peer& peer, const io::PcEvent& event);
  void on_local_candidate(rtc::Peer& peer, const nlohmann::json& candidate);
  void on_data(bool from_subscriber, const io::in::DataChannelMessage& message);
  // media
  void on_media(const io::MediaEvent& event);
  void on_timeout();

  // Janus messages (inbound.cpp)
  void on_message(const janus::Inbound& message);
  void on_success(const janus::Success& s);
  void on_error(const janus::Error& e);
  void on_ack(const janus::Ack& a);
  void on_event(const janus::Event& e);
  void on_plugin_event(const janus::videoroom::Event& event, const std::optional<janus::Jsep>& jsep,
                       janus::Id sender, std::optional<RequestKind> answers);
  void on_joined(const janus::videoroom::Joined& joined);
  void add_publishers(const std::vector<janus::videoroom::Publisher>& publishers, bool full_list);
  void remove_participant(janus::Id id, std::string_view reason);
  void update_participant(janus::Id id, const std::string& display);
  std::string own_display() const;
  void on_subscription(const std::vector<janus::videoroom::SubscriptionStream>& streams);
  void on_subscriber_offer(const janus::Jsep& jsep);
  void refuse(std::string_view code, std::string_view message);

  // requests
  bool send(janus::Request request, std::optional<RequestKind> kind);
  std::optional<InFlight> take(const std::string& transaction);
  void arm_request_timer();
  void fail_request(const InFlight& request, const errors::CallError& error, int code);
  void drop_socket(std::string_view why);

  // flow
  void begin_session();
  void rebuild_session(std::string_view why);
  void start_publishing();
  void sync_subscription();
  void retry_unsubscribe_later();
  void resend_unsubscribe();
  void apply_layers();
  void apply_mute();
  void signal_publisher(std::string_view type, const nlohmann::json& fields);
  void signal_subscriber(std::string_view type, const nlohmann::json& fields);
  void leave(std::optional<errors::CallError> error);
  void set_status(Status next);
  void emit_error(const errors::CallError& error);
  void settle_join(const std::optional<errors::CallError>& error);
  void drop_received(janus::Id feed);
  std::set<std::pair<janus::Id, std::string>> wanted_streams() const;
  std::string tag_of(janus::Id feed, const std::string& feed_mid, const std::string& kind) const;
  bool active() const { return status_ != Status::Disconnected; }

  RoomConfig config_;
  io::Context ctx_;
  rtc::Peer publisher_;
  rtc::Peer subscriber_;
  std::unique_ptr<signaling::Transport> transport_;  // one per call() (a stopped Transport stays stopped)
  base::Timers<Timer, 3> timers_;

  Status status_ = Status::Disconnected;
  Phase phase_ = Phase::Idle;
  std::optional<int> pending_join_;   // request id of the unsettled call() promise
  std::string transaction_prefix_;
  std::uint64_t transaction_seq_ = 0;
  std::deque<InFlight> in_flight_;
  bool lost_requests_ = false;        // a request other than keepalive/trickle died with the socket
  base::Ms last_alive_{0};            // the last message of our session from Janus

  janus::Id session_id_ = 0;
  janus::Id publisher_handle_ = 0;
  janus::Id subscriber_handle_ = 0;
  janus::Id participant_id_ = 0;
  janus::Id private_id_ = 0;

  // publishing
  bool media_requested_ = false;
  bool media_ready_ = false;
  bool publishing_ = false;           // the publisher connection is open and offering/answered
  bool published_ = false;            // Janus answered our publish
  bool audio_on_ = true;
  bool video_on_ = true;
  std::map<std::string, std::string> local_mids_;  // kind → mid of our offer

  // subscribing
  bool subscriber_joined_ = false;
  bool subscription_busy_ = false;    // a subscription change waits for Janus / our answer
  bool subscription_dirty_ = false;   // the wanted streams changed meanwhile
  std::set<std::pair<janus::Id, std::string>> subscribed_;  // (feed, feed mid) asked for
  std::map<std::string, ReceivedTrack> received_;           // subscriber mid → track
  std::map<janus::Id, Participant> participants_;
  std::map<janus::Id, Layers> layers_;
  // The last unsubscribe sent, while Janus may still owe its renegotiation: an `unsubscribe` that
  // reaches Janus after a publisher left the room but before Janus's own clean-up removed its
  // streams is answered `updated` without an offer (janus_videoroom.c 1.1.2: "Publisher not
  // found", no change), and the change the clean-up then makes (skipped_autoupdate, as we ask
  // for no autoupdate) is only offered with the next subscription request. So such an answer is
  // followed, kUnsubscribeRetry later, by the same unsubscribe again, at most kUnsubscribeRetries
  // times; an offer ends it.
  std::vector<janus::videoroom::UnsubscribeStream> pending_unsubscribe_;
  int unsubscribe_retries_ = 0;
  bool last_update_unsubscribed_ = false;  // the request in flight removed streams
};

/// Delay and count of the re-sent unsubscribe (RoomSession::pending_unsubscribe_).
inline constexpr base::Ms kUnsubscribeRetry{500};
inline constexpr int kUnsubscribeRetries = 3;

/// Makes a session from the app's options JSON (parse_config), or the CallError 'params'.
std::variant<std::unique_ptr<RoomSession>, errors::CallError> make_session(const nlohmann::json& options,
                                                                           log::Logger& logger, base::Ms now);

}  // namespace callcore::session::room
