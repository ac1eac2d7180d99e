// signaling::Transport: the signaling channel of a session, shared by every product. It keeps
// outbound messages in one ordered queue while the channel is not ready (not yet joined, socket
// down, portal socket paused) and sends them in order when it is; it reopens the built-in
// WebSocket with exponential backoff and jitter after an abnormal close, moving to the next of
// several URLs (processes of one cluster, docs/scaling.md §5) on every failed attempt; it remembers recent
// inbound message ids so a message delivered twice is applied once; and it logs every message
// sent and received under its wire type (received: with its data; sent: a summary — direction,
// addressees, message id). What "ready" means (e.g. the vcm `joined` reply) is the
// protocol's business: the session calls set_ready().
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "callcore/base/backoff.hpp"
#include "callcore/base/timers.hpp"
#include "callcore/io/context.hpp"

namespace callcore::signaling {

/// How a Transport is set up.
struct TransportConfig {
  io::TransportId id{1};
  std::string url;  // the built-in WebSocket's URL; "" when the portal owns the socket
  base::Backoff reconnect{base::Ms(500), base::Ms(8000), 0.5};
  std::size_t dedupe_window = 1024;  // inbound message ids remembered
  std::string protocol = {};         // the WebSocket subprotocol to ask for ("" for none)
  /// Further URLs of the same service (server processes sharing consultations, docs/scaling.md):
  /// after an abnormal close the transport reopens at the next URL of [url, alternates...],
  /// round robin, each attempt after the backoff delay; a join keeps it on the URL that worked.
  std::vector<std::string> alternates = {};
};

class Transport {
 public:
  /// `wire_type(message)` names an outbound message's wire type (for the log); `stamp(message)`
  /// updates a queued message just before it is sent (e.g. the sender's connection id, which a
  /// rejoin may have changed). `ctx` must outlive the transport.
  using WireType = std::function<std::string_view(const nlohmann::json& message)>;
  using Stamp = std::function<void(nlohmann::json& message)>;
  Transport(TransportConfig config, io::Context& ctx, WireType wire_type, Stamp stamp);

  /// The built-in WebSocket (a URL was given), as opposed to the portal's socket.
  bool built_in() const { return !config_.url.empty(); }
  /// Messages go out now (joined on the built-in socket; the portal's socket not paused).
  bool ready() const { return ready_; }
  /// The built-in socket is open (ready or not).
  bool open() const { return open_; }

  /// Built-in socket: OpenTransport and SOCKET_STATE 'connecting'. Portal socket: ready at once.
  void start();
  /// Sends `message` when ready, else queues it (sent in order by set_ready()).
  void send(nlohmann::json message);
  /// Sends `message` now, ahead of the queue (the protocol's join/leave on an open socket).
  void send_now(nlohmann::json message);
  /// The protocol says the channel is ready (e.g. joined): the queue is sent in order.
  void set_ready();
  /// No more reconnects; closes the built-in socket (after `farewell`, when open and given).
  void stop(std::optional<nlohmann::json> farewell);

  // ---- inputs ---------------------------------------------------------------------------------
  void on_opened();
  /// The built-in socket closed. With `reconnect`, a reopen is scheduled after a backoff delay
  /// (SIGNALING_RECONNECT 'scheduled'); the protocol passes false when the close means "do not
  /// come back" (e.g. another socket took this connection over).
  void on_closed(int code, std::string_view reason, bool reconnect);
  /// A send failed: the message goes back to the queue, in order, and the channel is not ready.
  void on_send_failed(nlohmann::json message, std::string_view reason);
  /// Portal socket dropped / is back.
  void on_paused();
  void on_resumed();
  /// Logs an inbound message under its wire type.
  void log_inbound(std::string_view wire_type, const nlohmann::json& data);
  /// True when `key` (sender + message id) was seen within the dedupe window; remembers it.
  bool is_duplicate(const std::string& key);
  /// Fires the reconnect timer when due (OpenTransport again).
  void on_timeout(base::Ms now);
  std::optional<base::Ms> next_timeout() const { return timers_.next(); }

  /// The protocol's `joined` after a reconnect: SIGNALING_RECONNECT 'rejoined' (`resumed`: the
  /// server kept the membership) — first join: nothing.
  void on_joined(bool resumed);

  std::size_t queued() const { return unsent_.size(); }
  int reconnect_attempt() const { return reconnect_attempt_; }
  bool reconnect_scheduled() const { return timers_.active(Timer::Reconnect); }
  std::optional<base::Ms> reconnect_deadline() const { return timers_.deadline(Timer::Reconnect); }
  /// The URL the socket is (or will next be) opened at: `url` or one of `alternates`.
  const std::string& current_url() const { return url_index_ == 0 ? config_.url : config_.alternates[url_index_ - 1]; }
  /// The queue, oldest first (for tests and snapshots).
  const std::vector<nlohmann::json>& queue() const { return unsent_; }

 private:
  enum class Timer { Reconnect };
  void transmit(nlohmann::json message);

  TransportConfig config_;
  io::Context& ctx_;
  WireType wire_type_;
  Stamp stamp_;
  bool ready_ = false;
  bool open_ = false;
  bool stopped_ = false;
  bool joined_once_ = false;
  int reconnect_attempt_ = 0;
  std::size_t url_index_ = 0;  // 0: config_.url, i: config_.alternates[i - 1]
  std::vector<nlohmann::json> unsent_;
  std::deque<std::string> seen_ids_;  // recent inbound message keys, oldest first (bounded)
  std::set<std::string> seen_set_;
  base::Timers<Timer, 1> timers_;
};

}  // namespace callcore::signaling
