// A SIP user agent over one WebSocket (RFC 7118) and one rtc::Peer, as a sans-IO state machine
// with the same contract as the other sessions (docs/architecture.md): handle() takes one input
// and the shell's clock, poll_output() returns the effects and events in order, poll_timeout()
// the next deadline. The app's requests are methods (connect, call, answer, ...), like the room's
// select_layers(); their names follow sip-connector (docs/sip.md, "User agent").
//
// What it does (RFC 3261 names):
//  - Registration (§10): REGISTER on connect when `register_`, refreshed before the binding
//    expires (at expires - 5 s, or expires/2 below 10 s), un-REGISTER (Expires 0) on disconnect.
//  - Digest authentication (§22, RFC 7616/8760): a 401/407 is answered once with credentials
//    (MD5 or SHA-256, qop=auth, nc, cnonce from the seeded random source); the same challenge
//    is reused for refreshes with nc+1; a new 401/407 after credentials is terminal unless it
//    says stale=true (then once more with the new nonce). A 403 is terminal too.
//  - Calls, one at a time: INVITE as UAC with the offer of the rtc::Peer (ICE candidates
//    gathered into the SDP, bounded by gather_timeout), 1xx → progress, 2xx → ACK (dialog
//    layer, §13.2.2.4), CANCEL (§9.1) or BYE on hang_up(); INVITE as UAS: 180 Ringing, then
//    answer() (200 with the peer's answer, waiting 64*T1 for the ACK, §13.3.1.4) or decline();
//    CANCEL → 200 + 487; BYE → 200; re-INVITE answered through the peer (491 while our own
//    offer is pending, §14.2); INFO in the dialog → 200 and call:newInfo.
//  - OPTIONS answered 200 (§11.2); OPTIONS to our own AOR every ping_interval while connected;
//    ping_failures failures in a row (non-2xx, no answer in ping_timeout, or the transport
//    failing) close the socket and reopen it (a reconnect decided here, then REGISTER again).
//  - A socket that closes unexpectedly is reopened after a random delay in
//    [reconnect_min, reconnect_max] (JsSIP's connection_recovery_min/max_interval).
//  - Bad input: a message that does not parse emits sipError (CallError 'sip') and a log entry
//    and changes no state; a request that could be read far enough is answered 400 (§8.2.6.2).
//  - SIP over WebSocket (RFC 7118 §5): Via `SIP/2.0/WSS <random>.invalid`, Contact
//    `<sip:<random>@<same host>;transport=ws>`, the socket opened with subprotocol "sip".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "callcore/base/timers.hpp"
#include "callcore/errors/call_error.hpp"
#include "callcore/io/context.hpp"
#include "callcore/io/input.hpp"
#include "callcore/log/logger.hpp"
#include "callcore/rtc/peer.hpp"
#include "callcore/signaling/sip/dialog.hpp"
#include "callcore/signaling/sip/digest.hpp"
#include "callcore/signaling/sip/server_transaction.hpp"
#include "callcore/signaling/sip/transaction.hpp"

namespace callcore::session::sip {

namespace wire = signaling::sip;

/// The SIP socket and the call's peer connection.
inline constexpr io::TransportId kTransport{1};
inline constexpr io::PcId kPc{1};

/// How a user agent is set up (sip-connector's connect() parameters, JsSIP's UA configuration).
struct UaConfig {
  std::string url;                 ///< WebSocket URL, e.g. wss://host/webrtc/wss/
  std::string domain;              ///< sipServerIp: the AOR is sip:{user}@{domain}
  std::string user;                ///< the AOR's user part
  std::string password;            ///< digest password (never logged)
  std::string display_name;        ///< From's display name
  bool register_ = true;           ///< REGISTER on connect
  std::uint32_t register_expires = 300;  ///< seconds asked for
  std::string user_agent = "callcore";   ///< User-Agent header
  std::vector<std::pair<std::string, std::string>> register_headers;  ///< e.g. X-Vinteo-Remote
  base::Ms ping_interval{15000};   ///< OPTIONS ping period while connected
  base::Ms ping_timeout{10000};    ///< an OPTIONS ping not answered by then has failed
  int ping_failures = 2;           ///< failures in a row that make the core reconnect
  base::Ms reconnect_min{2000};    ///< reopen delay, uniform in [min, max]
  base::Ms reconnect_max{6000};
  base::Ms gather_timeout{2000};   ///< ICE gathering bound before the SDP is sent anyway
  base::Ms t1 = wire::kT1;         ///< RFC 3261 T1
  std::uint64_t random_seed = 1;   ///< tags, branches, Call-IDs, cnonces, delays
};

/// The local media of a call: the shell's handles of the app's tracks and their stream.
struct CallMedia {
  std::optional<io::TrackId> audio;
  std::optional<io::TrackId> video;
  std::string stream_id;
};

/// The call's phase.
enum class CallPhase {
  kIdle,
  kOffering,    ///< UAC: waiting for the peer's offer (and its candidates)
  kInviting,    ///< UAC: INVITE sent, no final response yet
  kRinging,     ///< UAS: INVITE received, 180 sent, waiting for answer()/decline()
  kAnswering,   ///< UAS: waiting for the peer's answer to send the 200
  kWaitingAck,  ///< UAS: 200 sent, waiting for the ACK
  kConfirmed,   ///< established
};

class UserAgent {
 public:
  /// `logger` must outlive the agent. Nothing happens before connect().
  UserAgent(UaConfig config, log::Logger& logger, base::Ms now);

  // ---- the app's requests (sip-connector names) ------------------------------------------
  // `request_id` (optional, > 0): the app's promise of that request, settled by a SettleRequest
  // effect with that id when its outcome is known (sip-connector's promise semantics, below).
  // 0: nothing is settled.

  /// connect(): opens the socket (subprotocol "sip"); REGISTER follows when configured.
  /// Settles `request_id` (sip-connector connect(): resolves on `registered`, or on the socket's
  /// `connected` when not registering): resolved then; rejected with CallError 'sip' ("SIP 401
  /// Unauthorized (Authentication Error)" in its description) on the first registrationFailed,
  /// 'connection' when the socket closes before, 'state' when disconnect() comes first. Once
  /// connected (and registered), a further connect() resolves at once; after refused
  /// credentials it rejects at once ('sip'); while still on its way it takes over the promise
  /// (the earlier one rejects 'state').
  void connect(base::Ms now, int request_id = 0);
  /// disconnect(): ends the call (BYE / CANCEL), un-REGISTERs when registered and closes the
  /// socket once that is answered (or after 64*T1 at most); no reconnect. Settles `request_id`
  /// (resolved) once the socket is closed, at once when it was not open.
  void disconnect(base::Ms now, int request_id = 0);
  /// call({number, mediaStream}): INVITE sip:{number}@{domain}. `extra_headers` go into the
  /// INVITE (tools.getExtraHeaders). Fails (CallError 'state') without an open socket or with a
  /// call in progress. Settles `request_id` (sip-connector call(): resolves on `confirmed`):
  /// resolved on the 2xx, rejected with CallError 'sip' when the call fails (description: "SIP
  /// 486 Busy Here (Busy)", or the cause alone when no response came).
  std::optional<errors::CallError> call(const std::string& number, const CallMedia& media, base::Ms now,
                                        std::vector<std::pair<std::string, std::string>> extra_headers = {},
                                        int request_id = 0);
  /// answerToIncomingCall(): answers the ringing call with the peer's answer. Settles
  /// `request_id`: resolved on the ACK (`call:confirmed`), rejected (CallError 'sip') when the
  /// call ends before.
  std::optional<errors::CallError> answer(const CallMedia& media, base::Ms now, int request_id = 0);
  /// declineToIncomingCall({statusCode}) (486 busy, 603 decline, 487 by default in sip-connector).
  std::optional<errors::CallError> decline(int status_code, base::Ms now);
  /// hangUp(): CANCEL (before a final response), BYE (established), 480 (ringing here).
  void hang_up(base::Ms now);
  /// sendInfo(contentType, body, {extraHeaders}) in the call's dialog (DTMF, Vinteo INFOs).
  std::optional<errors::CallError> send_info(const std::string& content_type, const std::string& body,
                                             const std::vector<std::pair<std::string, std::string>>& headers,
                                             base::Ms now);

  // ---- inputs from the shell ---------------------------------------------------------------
  /// Transport, peer connection and timeout inputs (app and media inputs are ignored: the app's
  /// requests are the methods above). Never throws.
  void handle(const io::Input& input, base::Ms now);
  std::optional<io::Effect> poll_output() { return ctx_.poll(); }
  /// The earliest deadline of every timer (the agent's, its transactions', the peer's).
  std::optional<base::Ms> poll_timeout() const;

  // ---- state ---------------------------------------------------------------------------------
  bool connected() const { return open_; }
  bool registered() const { return registered_; }
  CallPhase call_phase() const { return call_.phase; }
  const std::optional<wire::Dialog>& dialog() const { return call_.dialog; }
  std::size_t client_transactions() const { return clients_.size(); }
  std::size_t server_transactions() const { return servers_.size(); }
  int ping_failures() const { return ping_failures_; }
  std::optional<base::Ms> register_refresh_at() const { return timers_.deadline(Timer::kRegisterRefresh); }
  std::optional<base::Ms> reconnect_at() const { return timers_.deadline(Timer::kReconnect); }
  /// {connected, registered, callPhase, clientTransactions, serverTransactions, pingFailures}.
  nlohmann::json snapshot() const;

 private:
  /// Opens the call's peer connection with `media` as its senders, forgetting the last call's
  /// SDP and gathered candidates (UAC INVITE and UAS answer alike).
  void open_peer(const CallMedia& media);
  enum class Timer { kReconnect, kRegisterRefresh, kPing, kPingTimeout, kGather, kAckWait, kCloseWait };
  enum class Purpose { kRegister, kUnregister, kPing, kInvite, kBye, kCancel, kInfo };
  struct Client {
    wire::ClientTransaction tx;
    Purpose purpose;
    bool authenticated = false;  // carries credentials answering a challenge
    bool abandoned = false;      // an INVITE the app hung up before its final response
    bool cancel_sent = false;    // its CANCEL went out
  };
  struct Auth {
    wire::Challenge challenge;
    std::uint32_t nc = 0;
  };
  struct Call {
    CallPhase phase = CallPhase::kIdle;
    bool outgoing = false;
    std::string number;                     // remote user (UAC: the dialled number)
    nlohmann::json remote;                  // incoming-call payload {displayName, host, incomingNumber}
    std::optional<wire::Dialog> dialog;
    std::string call_id;
    std::string local_tag;
    std::optional<wire::Message> invite;    // UAC: the INVITE last sent
    std::string invite_branch;              // its transaction
    std::optional<std::string> server_key;  // UAS: the INVITE (or re-INVITE) server transaction
    std::vector<std::pair<std::string, std::string>> extra_headers;
    bool reinvite = false;                  // the pending server INVITE is a re-INVITE
    bool cancel_pending = false;            // hang_up() before a provisional response
    int request_id = 0;                     // call()'s or answer()'s promise, until confirmed / ended
  };

  // transport
  void on_opened();
  void on_closed(int code, const std::string& reason);
  void on_text(const std::string& text);
  void send(const wire::Message& message);
  void open_socket();
  void drop_socket(const std::string& why, bool reconnect, bool push_close, int code = 0);
  // messages
  void on_response(const wire::Message& response);
  void on_request(const wire::Message& request);
  void respond(const std::string& key, int code, const std::string& reason, const std::string& to_tag = {},
               const std::string& body = {}, const std::string& content_type = {}, bool contact = false);
  void respond_stateless(const wire::Message& request, int code, const std::string& reason);
  void on_client_result(const std::string& branch, const wire::TransactionOutput& out);
  void on_client_response(const Client& client, const wire::Message& response);
  void on_client_failure(const Client& client, wire::TransactionFailure failure);
  // requests we send
  std::string via();
  std::string contact() const;
  std::string aor() const;
  std::string new_token(std::size_t hex_chars);
  void start_client(wire::Message request, Purpose purpose, bool authenticated = false);
  wire::Message out_of_dialog(const std::string& method, const wire::Uri& target, const std::string& to,
                              const std::string& call_id, const std::string& from_tag, std::uint32_t cseq);
  void add_credentials(wire::Message& request, Auth& auth);
  std::optional<Auth> take_challenge(const wire::Message& response, bool authenticated);
  // registration (registration.cpp)
  void send_register(bool unregister, bool answering_challenge);
  void on_register_response(const Client& client, const wire::Message& response);
  void registration_failed(const std::string& cause, std::optional<int> code, const std::string& reason, bool terminal);
  void send_ping();
  void ping_result(bool ok);
  // calls (call.cpp)
  void on_peer_signal(std::string_view type, const nlohmann::json& fields);
  void on_pc(const io::PcEvent& event);
  void sdp_ready();
  void on_invite_response(const Client& client, const wire::Message& response);
  void on_incoming_invite(const wire::Message& request, const std::string& key);
  void on_reinvite(const wire::Message& request, const std::string& key);
  void on_cancel(const wire::Message& request, const std::string& key);
  void on_in_dialog(const wire::Message& request, const std::string& key);
  void on_ack(const wire::Message& ack);
  void send_ack(const wire::Dialog& dialog, std::uint32_t invite_seq);
  void send_bye(wire::Dialog& dialog);
  void end_call(std::string_view event, const std::string& originator, const std::string& cause,
                std::optional<int> code = std::nullopt, const std::string& reason = {});
  void on_timeout(base::Ms now);
  // the app's promises (request ids, 0: none)
  void settle(int& request_id, std::optional<errors::CallError> error = std::nullopt);

  UaConfig config_;
  io::Context ctx_;
  rtc::Peer peer_;
  base::Timers<Timer, 7> timers_;
  std::map<std::string, Client> clients_;                  // by "branch|method"
  std::map<std::string, wire::ServerTransaction> servers_; // by server_key

  bool wanted_ = false;       // connect() called, disconnect() not
  bool open_ = false;
  bool closing_ = false;      // disconnect(): waiting for the un-REGISTER before closing
  bool registered_ = false;
  bool register_terminal_ = false;  // 401/403 after credentials: no more REGISTER
  std::string via_host_;
  std::string contact_user_;
  std::string register_call_id_;
  std::string register_tag_;
  std::uint32_t register_cseq_ = 0;
  std::optional<Auth> register_auth_;
  std::optional<Auth> proxy_auth_;  // the last INVITE challenge (407/401)
  int ping_failures_ = 0;
  std::optional<std::string> ping_branch_;  // its clients_ key
  int connect_request_ = 0;     // connect()'s promise, until registered / failed
  int disconnect_request_ = 0;  // disconnect()'s promise, until the socket is closed

  Call call_;
  std::string pending_sdp_;         // the peer's description waiting for candidates
  std::string pending_sdp_type_;
  std::vector<nlohmann::json> local_candidates_;
  bool gathering_complete_ = false;
};

/// A user agent from sip-connector's connect() parameters (JSON, as given to SipConnector.connect):
///  - `sipServerUrl` (string, required): a host name (→ `wss://{host}/webrtc/wss/`, sip-connector's
///    socket URL) or a full `ws://` / `wss://` URL used as is;
///  - `sipServerIp` (string, required): the domain of the AOR `sip:{user}@{sipServerIp}`;
///  - `user`, `password` (strings): required when `register` (default true); without
///    registration an empty user becomes a random number in 100000-99999999 (sip-connector);
///  - `displayName` (string): spaces become `_` (sip-connector); `userAgent` (string);
///  - `registerExpires` (seconds, 1-86400, default 300); `remoteAddress` (string: the REGISTER's
///    `X-Vinteo-Remote`); `extraHeaders` (array of "Name: value" strings, JsSIP's form: REGISTER);
///  - `connectionRecoveryMinInterval` / `connectionRecoveryMaxInterval` (seconds, JsSIP's
///    connection_recovery_min/max_interval, default 2 / 6); `randomSeed` (number).
/// Returns CallError 'params' naming the first invalid field. `role` is ignored.
std::variant<std::unique_ptr<UserAgent>, errors::CallError> make_user_agent(std::string_view role, const nlohmann::json& options,
                                                                           log::Logger& logger, base::Ms now);

/// Extra SIP header fields in JsSIP's form: a JSON array of "Name: value" strings. Each name must
/// be a token (RFC 3261 §25.1) and no value may hold CR or LF (no header injection); at most 32.
/// Returns the (name, value) pairs, trimmed, or CallError 'params' naming `field`.
std::variant<std::vector<std::pair<std::string, std::string>>, errors::CallError> parse_extra_headers(
    const nlohmann::json& headers, std::string_view field);

/// The SDP `sdp` with each candidate (RTCIceCandidateInit JSON: candidate, sdpMLineIndex or
/// sdpMid) added as an a= line at the end of its media section, unless it is already there;
/// `complete` adds a=end-of-candidates to every media section (RFC 8840 §4.1). Candidates that
/// name no section are skipped.
std::string add_candidates(const std::string& sdp, const std::vector<nlohmann::json>& candidates, bool complete);

}  // namespace callcore::session::sip
