// rtc::Peer: a sans-IO model of one RTCPeerConnection, shared by every product (the
// consultation's one connection; later SIP's, and an SFU publisher and subscriber). It holds
// what LiveKit's PCTransport holds, as decisions: perfect negotiation (W3C webrtc-pc §10) with
// the offer deferred while an exchange is under way, remote ICE candidates queued until a remote
// description is set, the ICE restart policy (grace for 'disconnected', bounded attempts, backoff
// with jitter), the senders by media tag, and the app data channel. It asks the shell for
// browser operations through effects of its PcId and tells its session what to signal through
// a callback; the session decides the call.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "callcore/base/backoff.hpp"
#include "callcore/base/timers.hpp"
#include "callcore/errors/call_error.hpp"
#include "callcore/io/context.hpp"
#include "callcore/rtc/negotiation.hpp"

namespace callcore::rtc {

/// When and how often ICE is restarted (RFC 8445 §2.4; W3C webrtc-pc §4.4.1.6 restartIce()).
struct IceRestartPolicy {
  base::Ms disconnected_grace{3000};  // 'disconnected' this long → restart ('failed': at once)
  int max_attempts = 3;                // then the connection has failed for good
  base::Ms attempt_timeout{10000};     // an attempt not 'connected' by then has failed
  base::Backoff backoff{base::Ms(1000), base::Ms(8000), 0.5};  // between attempts
};

/// How a Peer is set up.
struct PeerConfig {
  io::PcId id{1};
  bool polite = false;  // W3C webrtc-pc §10: the polite side yields when offers collide
  IceRestartPolicy ice;
  std::vector<io::fx::DataChannelConfig> data_channels;  // created with the connection
  // RTCBundlePolicy (W3C webrtc-pc §4.2.1; RFC 8843 BUNDLE). "max-bundle": every m-line shares
  // one transport from the first offer on, so ICE gathers, signals and checks one set of
  // candidates instead of one per media type (a third of them for audio + video + data), which
  // makes setup faster (bench/notes.md). Every browser and Janus support BUNDLE.
  std::string bundle_policy = "max-bundle";
  // The video send bitrate the connection starts at (bps), written into every remote
  // description as Chromium's `x-google-start-bitrate` (rtc/start_bitrate.hpp); 0 leaves the
  // browser's own start (Chromium: 300 kbps).
  std::uint32_t video_start_bitrate_bps = 0;
};

/// A local track sent under a media tag.
struct Sender {
  std::string kind;       // "audio" | "video"
  io::TrackId track{};    // the shell's handle of the track (also while paused)
  std::string stream_id;  // the MediaStream the far side sees it in ("" until added)
  bool paused = false;    // the sender sends nothing (replaceTrack(null))
  bool simulcast = false; // sent as three simulcast encodings (AddTrack.simulcast)
};

/// The connection failed for good: the session ends the call with `error`; `reason` is the
/// hang-up reason told to the far side.
struct PeerFailure {
  std::string reason;
  errors::CallError error;
};

class Peer {
 public:
  /// `signal(type, fields)` sends a message of wire type `type` ("offer", "answer") to the far
  /// side. `ctx` must outlive the peer.
  using Signal = std::function<void(std::string_view type, nlohmann::json fields)>;
  Peer(PeerConfig config, io::Context& ctx, Signal signal);

  io::PcId id() const { return config_.id; }
  /// A connection is open (CreatePc issued, ClosePc not yet).
  bool created() const { return created_; }

  /// Opens the connection: CreatePc, then AddTrack for each sender already set.
  void open();
  /// Closes it (ClosePc when open) and forgets every negotiation, candidate, ICE restart and
  /// sender state: the next open() starts afresh.
  void close();

  // ---- negotiation --------------------------------------------------------------------------
  /// Makes an offer now (SetLocalDescription "offer").
  void make_offer();
  /// negotiationneeded: offers when stable and a first exchange is done; defers it mid-exchange
  /// (the first offer follows the product's call flow).
  void on_negotiation_needed();
  /// A remote description arrived (`description` {type, sdp}; `is_offer`): applied, rolled back
  /// into (polite side) or ignored (impolite side) per perfect negotiation.
  void on_remote_description(const nlohmann::json& description, bool is_offer);
  /// Applies an offer that waited for the connection (the client answers a held offer).
  void apply_held_offer(const nlohmann::json& description);
  /// setRemoteDescription resolved: queued candidates go in, an offer gets its answer.
  void on_remote_description_set(std::string_view type);
  /// setLocalDescription resolved: the description is signalled unless a rollback made it stale.
  void on_local_description(std::string_view type, std::string_view sdp);
  /// A remote ICE candidate (RTCIceCandidateInit or null): queued until a remote description is
  /// set (W3C webrtc-pc §4.4.1.6 addIceCandidate), dropped when it belongs to an ignored offer.
  void on_remote_candidate(const nlohmann::json& candidate);
  /// Forgets queued remote candidates (the offer they belonged to was replaced).
  void clear_candidates() { ice_queue_.clear(); }
  /// A browser operation failed. Returns the failure when it ends the call (the first exchange
  /// could not be negotiated); a failed renegotiation only emits CALL_ERROR.
  std::optional<PeerFailure> on_operation_failed(std::string_view operation, std::string_view name,
                                                 std::string_view message);
  /// The pc's signalingState (W3C names).
  void on_signaling_state(std::string_view state) { negotiation_.on_signaling_state(state); }
  /// iceconnectionstatechange / connectionstatechange: drives ICE restarts. Returns the failure
  /// when ICE gave up.
  std::optional<PeerFailure> on_connection_state(std::string_view event, std::string_view state);
  /// Fires the peer's due timers (ICE grace, restart deadline or backoff).
  std::optional<PeerFailure> on_timeout(base::Ms now);
  /// The earliest deadline of the peer's timers.
  std::optional<base::Ms> next_timeout() const { return timers_.next(); }

  // ---- data channel -------------------------------------------------------------------------
  void on_data_channel_state(std::string_view state);
  bool data_channel_open() const { return data_channel_open_; }
  /// Sends `text` on the first data channel; false (nothing sent) when it is not open.
  bool send_data(std::string text);

  // ---- senders by media tag -------------------------------------------------------------------
  const std::map<std::string, Sender>& senders() const { return senders_; }
  Sender* sender(const std::string& tag);
  /// Adds a sender for `tag` (AddTrack; `stream_id` "" puts the track in a new stream, reported
  /// by TrackAdded) — only recorded while the connection is not open yet (open() adds it).
  void add_sender(const std::string& tag, Sender sender);
  /// The tag's sender sends `track` (nullopt: nothing), no renegotiation.
  void replace_track(const std::string& tag, std::optional<io::TrackId> track);
  /// Removes the tag's sender (RemoveTrack: renegotiated) and stops its track (ReleaseTrack) unless
  /// another tag's sender carries the same track.
  void remove_sender(const std::string& tag);
  /// Forgets every sender (no effect: the connection is closed or about to be).
  void clear_senders() { senders_.clear(); }

  // ---- senders prepared before the media (instant answer) ------------------------------------
  /// When the next remote offer is set, before its answer is made: PrepareSender for each
  /// (tag, kind), so the answer already sends those kinds (with no track yet) and attach_prepared()
  /// later starts the media without renegotiation.
  void prepare_senders(std::vector<std::pair<std::string, std::string>> tag_kinds);
  /// TrackAdded for a prepared tag: the stream id the far side sees. False when `tag` was not
  /// prepared (the TrackAdded is an AddTrack's).
  bool on_sender_prepared(const std::string& tag, const std::string& stream_id);
  /// The prepared sender of `tag` carries `sender.track` from now on (ReplaceTrack, no
  /// renegotiation), in the prepared stream; it becomes an ordinary sender. False (nothing done)
  /// when `tag` has no prepared sender: add_sender() then.
  bool attach_prepared(const std::string& tag, Sender sender);

  // ---- state for snapshots ------------------------------------------------------------------
  const PerfectNegotiation& negotiation() const { return negotiation_; }
  const std::vector<nlohmann::json>& candidate_queue() const { return ice_queue_; }
  int ice_restart_attempt() const { return ice_restart_attempt_; }
  std::optional<base::Ms> deadline_ice_grace() const { return timers_.deadline(Timer::IceGrace); }
  std::optional<base::Ms> deadline_ice_restart() const { return timers_.deadline(Timer::IceRestart); }

 private:
  /// `description` with the configured video start bitrate (PeerConfig), as it goes to
  /// setRemoteDescription.
  nlohmann::json with_start(const nlohmann::json& description) const;
  enum class Timer { IceGrace, IceRestart };

  void offer_if_deferred();
  std::optional<PeerFailure> on_ice_state(std::string_view state);
  std::optional<PeerFailure> begin_ice_restart();
  std::optional<PeerFailure> attempt_ice_restart();
  void reset_ice_restart();

  PeerConfig config_;
  io::Context& ctx_;
  Signal signal_;
  bool created_ = false;
  PerfectNegotiation negotiation_;
  bool remote_description_set_ = false;  // pc.remoteDescription is not null
  bool negotiation_deferred_ = false;    // negotiationneeded came mid-exchange: offer when done
  std::vector<nlohmann::json> ice_queue_;
  std::string ice_state_ = "new";
  bool ice_restarting_ = false;
  bool ice_backoff_phase_ = false;  // the IceRestart timer is the backoff, not the deadline
  int ice_restart_attempt_ = 0;
  base::Timers<Timer, 2> timers_;
  bool data_channel_open_ = false;
  std::map<std::string, Sender> senders_;
  std::vector<std::pair<std::string, std::string>> to_prepare_;  // (tag, kind) at the next remote offer
  std::map<std::string, std::string> prepared_;                   // tag → stream id ("" until TrackAdded)
};

}  // namespace callcore::rtc
