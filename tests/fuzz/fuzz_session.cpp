// libFuzzer target, structure-aware: a doctor and a client ConsultationSession driven by a
// sequence of inputs, with a simulated shell (peer connection, data channel, getUserMedia,
// tracks by TrackId, sockets, the one timer) and a simulated signaling server between them,
// checking the core's invariants after every input.
//
// Input format (docs/reliability.md): the first byte configures the two sides; the rest is lines
// ('\n'), one step each, `<side><op><payload>`:
//   side   'd' doctor, 'c' client (any other byte: its low bit)
//   op     j  shell input: payload is its JSON ({"kind": ...}), through io::decode_input
//          m  inbound signaling message: payload is its text (skipped if not UTF-8, as a browser
//             WebSocket never delivers that)
//          C  call() (a fresh requestId)     h  hangUp()      z  destroy()
//          v  changeDeviceState: payload byte bits 0/1 set/value isMute, 2/3 set/value isHidden
//          s  sendMessage({type: "chat", body: payload as JSON, or as a string})
//          r  sendTrack(a new screen track, tag "screen"); payload "camera": the local stream's
//             video track instead, which keeps its TrackId (js/consultation/rtc-core.js sendTrack:
//             a track the shell holds is not handed in again)
//          p  pause/resume/close the "screen" track (payload 'p', 'r' or 'c')
//          g  switchDevice(payload "video" or audio)
//          e  a local track ends by itself: payload "audio" (the local stream's audio track),
//             "screen" (the latest track given to sendTrack), else the local stream's video
//             track; only a track the shell still holds, and only once
//          a  the shell completes the oldest pending async operation (getUserMedia for the call
//             or one device, setLocalDescription, rollback, setRemoteDescription) successfully,
//             with real SDP and new TrackIds
//          f  ... fails it (NotAllowedError / OperationError / InvalidAccessError)
//          x  the server delivers this side's sent messages (join → joined/peerJoined; leave →
//             peerLeft; publish and transient → {type, data} to the other side, or error
//             unroutable), and the data channel delivers its sent texts
//          i  the peer connection reports its next real local ICE candidate (then null)
//          k  connectionstatechange to the state named by the payload (default "connected"; other
//             text picks one of the six states); "connected" also opens the data channel
//          n  negotiationneeded
//          w  a remote track (payload "audio" or video)
//          o  the built-in socket opens (after an openTransport)    l  it closes (code 1006)
//          t  time passes: payload ms (default 1000); the shell's one timer feeds a `timeout`
//             input at each deadline poll_timeout() names within that time
//          any other op byte picks one of these by its value.
//   Header bits: 0 doctor uses the built-in socket (signalingUrl) instead of send, 1 the client
//   too, 2 doctor isAudio, 3 client isAudio.
// Time advances 1 ms per step. The core owns its timers (poll_timeout()); the shell keeps none.
// Invariants (a failure aborts with a message):
//   - every effect encodes (io::encode, as bindings.cpp does) to an object with its kind that
//     serializes as JSON (strict UTF-8: the shell's inputs are valid UTF-8, so invalid text can
//     only come from the core cutting it); `send` has a `message` object of a known wire type;
//     every pc effect names pc 1 and every transport effect transport 1 (the consultation's);
//     openTransport only for the built-in socket;
//   - the dictionary promise (events/dictionary.hpp), as tests/unit/driver.hpp checks it: every
//     emitted event type, emit type, CALL_ERROR type and CALL_STATE state, every settle error
//     type and every log event name is in the dictionary;
//   - TrackIds: every track an effect names (addTrack, replaceTrack, setTrackEnabled,
//     releaseTrack, swapLocalTrack) is one the shell handed in (mediaAcquired, sendTrack,
//     deviceAcquired) and has not released since (releaseTrack, swapLocalTrack's `from`,
//     stopTracks); releaseTrack does not stop a track a sender still carries (also paused), and
//     stopTracks comes only with the end of a call (state idle or ended after the input);
//     addTrack's track is not one another tag's sender carries (the browser throws) and its
//     streamId is "" or a stream the shell reported; replaceTrack and removeTrack name a tag
//     with a sender, addTrack one without; an event's `stream` is a stream the shell knows;
//     dataSend names a data channel createPc made;
//   - settle names a requestId issued by a call() or another app request (sendMessage,
//     sendTrack, pause/resume/closeTrack, switchDevice) and settles it at most once;
//     withLocalStream only for call() without an error, once the shell has a local stream; at
//     most one call() is unsettled; none is unsettled in state idle or ended;
//   - timers: after a `timeout` input at `now`, poll_timeout() is not at or before `now` (every
//     due timer fired); in state idle or ended no call timer is armed (enter, answer, ICE grace
//     or restart; the built-in socket's reconnect timer outlives calls);
//   - setLocalDescription/setRemoteDescription/addIceCandidate/restartIce/addTrack/replaceTrack/
//     removeTrack only while a peer connection is open, and no second createPc while one is
//     (unless the fuzzer spoofed a browser result through a `j` input, which a real shell never
//     does out of turn);
//   - snapshot() serializes, has a known callState equal to state(), and isInviter matches the
//     role; the logger's export serializes.
//
// Known bugs of session/consultation/ found by this target are waived by known() in the exact
// situation they were reported for, so that the fuzzer keeps looking for new ones;
// CALLCORE_FUZZ_STRICT=1 in the environment turns the waivers off (reproducers:
// tests/fuzz/crashes/). CALLCORE_FUZZ_TRACE=1 prints every input and output (to read a
// reproducer). CALLCORE_FUZZ_RECORD=FILE writes what each side's core was fed and what it
// answered as a flight recording (log/recorder.hpp, the format of logger.export()'s
// `recording`), rewritten after every step so that it is complete up to the step that broke an
// invariant or crashed: `callcore_replay FILE` and `npx callcore replay FILE` replay it
// (docs/reliability.md, "A fuzz input as a flight recording").
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/io/codec.hpp"
#include "callcore/log/logger.hpp"
#include "callcore/log/recorder.hpp"
#include "callcore/session/consultation/session.hpp"
#include "callcore/signaling/vcm/codec.hpp"
#include "check.hpp"
#include "kinds.hpp"
#include "real_webrtc.hpp"

using namespace callcore;
using callcore::fuzz::dump_strict;
using callcore::fuzz::detail::overloaded;
using nlohmann::json;
using session::consultation::ConsultationSession;
using session::consultation::Role;

namespace {

constexpr std::string_view kConsultation = "cons-7";
constexpr std::size_t kMaxSteps = 256;
constexpr int kPc = io::to_int(session::consultation::kPc);
constexpr int kTransport = io::to_int(session::consultation::kTransport);
bool g_strict = false;
bool g_trace = false;  // CALLCORE_FUZZ_TRACE=1: print every input and output (reading a reproducer)
const char* g_record = nullptr;  // CALLCORE_FUZZ_RECORD=FILE: the flight recording of the run

struct Pending {
  enum Kind { Media, Local, Rollback, Remote, Device } kind;
  std::string type;    // offer | answer (Local, Remote); audio | video (Device)
  int request_id = 0;  // Device
  bool audio = false;  // Media: the constraints asked for audio / video
  bool video = false;
};

// One side: its session and what the JS shell (js/shell/) would hold for it.
struct Side {
  Role role;
  std::string label;
  std::string connection_id;  // what the server assigns / the portal passes
  bool url_mode = false;
  bool is_audio = false;
  std::unique_ptr<ConsultationSession> session;
  std::uint32_t recording = 0;  // its session in World::recorder (CALLCORE_FUZZ_RECORD)

  // transport 1: the built-in socket
  enum class Socket { None, Connecting, Open } socket = Socket::None;
  bool joined = false;  // the server answered its join
  std::deque<json> outbox;  // sent, not yet delivered by the server

  // pc 1
  bool pc = false;              // a peer connection is open
  bool channel_open = false;    // its app data channel
  std::set<std::string> channel_labels;  // the data channels createPc made
  struct Sender {
    int track = 0;        // the track given by addTrack / the latest replaceTrack
    bool paused = false;  // replaceTrack(null): sends nothing, resumes with `track`
  };
  std::map<std::string, Sender> senders;  // by media tag
  std::string signaling_state = "stable";
  std::size_t next_candidate = 0;
  bool gathering_done = false;
  std::deque<std::string> channel_outbox;  // sent on the data channel, not yet delivered

  // media: TrackIds the shell handed in, and which it still holds
  int next_track = 1;
  std::set<int> handed;  // every TrackId handed in
  std::set<int> held;    // handed in and not released
  std::set<int> ended;   // reported ended
  std::set<int> stopped_now;  // tracks stopTracks released in the current input
  std::optional<int> local_audio, local_video, screen;  // the tracks the 'e' op can end
  std::set<std::string> streams;  // stream ids the shell knows (local, trackAdded, remote)
  bool local_stream = false;      // a local stream exists (mediaAcquired since releaseStreams)
  int next_stream = 1;

  std::deque<Pending> pending;            // async browser operations, in order
  std::deque<io::Input> followups;        // inputs the shell reports while performing an effect
  std::map<int, int> calls, calls_settled;        // call() request ids
  std::map<int, int> requests, requests_settled;  // other app requests' ids
  int next_request = 1;
  bool spoofed = false;  // a `j` input reported a browser result out of turn
};

struct World {
  log::Logger logger{200};
  std::uint64_t log_checked = 0;  // log entries already checked (entries + dropped)
  Side sides[2];
  double now = 1000;
  std::unique_ptr<log::Recorder> recorder;  // CALLCORE_FUZZ_RECORD only
};

json params_for(const Side& s) {
  json p = {{"name", s.role == Role::Doctor ? "Dr House" : "Patient Zero"},
            {"clientId", s.role == Role::Doctor ? "doctor-1" : "client-1"},
            {"consultationId", kConsultation},
            {"isAudio", s.is_audio},
            {"enterTimeoutSecond", 5},
            {"answerTimeoutSecond", 7}};
  if (s.role == Role::Doctor) p["doctor"] = {{"avatarId", "a1"}, {"fullName", "Dr House"}, {"specialityName", "Diagnostics"}};
  if (s.url_mode) {
    p["signalingUrl"] = "ws://127.0.0.1:8080/ws";
  } else {
    p["connectionId"] = s.connection_id;
    p["hasSend"] = true;
  }
  return p;
}

// Known bugs of session/consultation/, reported and not fixed here (another engineer owns those
// files): each is waived only in the exact situation it was reported for, so the fuzzer keeps
// looking for new bugs. CALLCORE_FUZZ_STRICT=1 turns the waivers off; the reproducers are in
// tests/fuzz/crashes/ (docs/reliability.md).
[[maybe_unused]] bool known(const char* reproducer, bool situation) {
  if (g_strict || !situation) return false;
  if (g_trace) std::fprintf(stderr, "  (known issue waived: tests/fuzz/crashes/%s)\n", reproducer);
  return true;
}

int unsettled(const std::map<int, int>& issued, const std::map<int, int>& settled) {
  int n = 0;
  for (const auto& [id, count] : issued) {
    auto it = settled.find(id);
    n += count - (it == settled.end() ? 0 : it->second);
  }
  return n;
}

int count_of(const std::map<int, int>& m, int id) {
  auto it = m.find(id);
  return it == m.end() ? 0 : it->second;
}

bool is_string(const json& j, const char* key) { return j.is_object() && j.contains(key) && j[key].is_string(); }

bool in_dictionary(std::initializer_list<std::string_view> groups, std::string_view value) {
  for (auto g : groups) {
    if (events::contains(g, value)) return true;
  }
  return false;
}

// ---- the shell's tracks -------------------------------------------------------------------------

int hand_in(Side& s) {
  const int id = s.next_track++;
  s.handed.insert(id);
  s.held.insert(id);
  return id;
}

// A track the fuzzer handed in through a `j` input (any integer, possibly reused).
void hand_in_spoofed(Side& s, io::TrackId track) {
  s.handed.insert(io::to_int(track));
  s.held.insert(io::to_int(track));
}

void check_held(const Side& s, io::TrackId track, const std::string& where) {
  const int id = io::to_int(track);
  FUZZ_CHECK(s.handed.count(id) != 0, where + ": TrackId " + std::to_string(id) + " was never handed in by the shell");
  FUZZ_CHECK(s.held.count(id) != 0, where + ": TrackId " + std::to_string(id) + " was already released");
}

void release(Side& s, int id) {
  s.held.erase(id);
  if (s.local_audio == id) s.local_audio.reset();
  if (s.local_video == id) s.local_video.reset();
  if (s.screen == id) s.screen.reset();
}

// The tag (other than `except`) whose sender carries `track` (also while paused), or "".
std::string carried_by(const Side& s, int track, const std::string& except = "") {
  for (const auto& [tag, sender] : s.senders) {
    if (tag != except && sender.track == track) return tag;
  }
  return "";
}

// ---- effects --------------------------------------------------------------------------------------

void check_pc_id(io::PcId pc, const std::string& where) {
  FUZZ_CHECK(io::to_int(pc) == kPc, where + ": names pc " + std::to_string(io::to_int(pc)) + ", not the consultation's");
}

void check_transport_id(io::TransportId t, const std::string& where) {
  FUZZ_CHECK(io::to_int(t) == kTransport, where + ": names transport " + std::to_string(io::to_int(t)));
}

void settle(Side& s, const io::fx::SettleRequest& e, const std::string& where) {
  const int id = e.request_id;
  const bool is_call = count_of(s.calls, id) > count_of(s.calls_settled, id);
  const bool is_request = count_of(s.requests, id) > count_of(s.requests_settled, id);
  FUZZ_CHECK(is_call || is_request || count_of(s.calls, id) + count_of(s.requests, id) == 0,
             where + ": requestId " + std::to_string(id) + " settled twice");
  FUZZ_CHECK(is_call || is_request, where + ": requestId " + std::to_string(id) + " was never issued");
  ++(is_call ? s.calls_settled : s.requests_settled)[id];
  if (e.with_local_stream) {
    FUZZ_CHECK(is_call && !e.error, where + ": withLocalStream for another request than call(), or with an error");
    FUZZ_CHECK(s.local_stream, where + ": withLocalStream without a local stream");
  }
  if (e.error) {
    FUZZ_CHECK(events::contains(events::kErrorTypeGroup, e.error->type),
               where + ": error type '" + e.error->type + "' is not in the dictionary");
  }
}

void check_emit(const Side& s, const io::fx::Emit& e, const std::string& where) {
  FUZZ_CHECK(events::contains(events::kEmitTypeGroup, e.emit_type), where + ": emitType not in the dictionary");
  FUZZ_CHECK(in_dictionary({events::kEventGroup, events::kWireGroup, events::kConnectionGroup}, e.event_type),
             where + ": eventType '" + std::string(e.event_type) + "' is not in the dictionary");
  const json& p = e.payload;
  if (e.event_type == events::kCallError) {
    FUZZ_CHECK(is_string(p, "type") && events::contains(events::kErrorTypeGroup, p["type"].get<std::string>()) &&
                   is_string(p, "message") && is_string(p, "description"),
               where + ": CALL_ERROR payload is not a CallError of a dictionary type");
  }
  if (e.event_type == events::kCallState) {
    FUZZ_CHECK(is_string(p, "state") && events::contains(events::kCallStateGroup, p["state"].get<std::string>()),
               where + ": CALL_STATE state not in the dictionary");
  }
  // A payload's `stream` is a MediaStream id the shell replaces by the stream.
  if (p.is_object() && p.contains("stream")) {
    FUZZ_CHECK(p["stream"].is_string() && s.streams.count(p["stream"].get<std::string>()) != 0,
               where + ": payload stream is not a stream the shell knows");
  }
}

void check_output(World& w, Side& s, const io::Effect& effect) {
  const json encoded = io::encode(effect);  // an exception here aborts: libFuzzer reports it
  const std::string kind(io::effect_kind(effect));
  if (g_trace) std::fprintf(stderr, "  %s -> %s\n", s.label.c_str(), base::json_text(encoded).substr(0, 200).c_str());
  const std::string where = s.label + " effect '" + kind + "'";
  FUZZ_CHECK(fuzz::known_effect_kind(kind) && encoded.is_object() && encoded.value("kind", json()) == kind,
             where + ": does not encode to an object of a known kind");
  fuzz::check_serializable(encoded, where.c_str());
  const bool pc_ok = s.pc || s.spoofed;
  using namespace io::fx;
  std::visit(
      overloaded{
          // ---- transports
          [&](const OpenTransport& e) {
            check_transport_id(e.transport, where);
            FUZZ_CHECK(s.url_mode && !e.url.empty(), where + ": the portal owns this side's socket");
            s.socket = Side::Socket::Connecting;
            s.joined = false;
          },
          [&](const RequestToken& e) {
            check_transport_id(e.transport, where);
            FUZZ_CHECK(s.url_mode, where + ": a token for a socket the portal owns");
            s.followups.push_back(io::make_input(io::in::TokenProvided{"fuzz-token"}, kTransport));  // getToken()
          },
          [&](const CloseTransport& e) {
            check_transport_id(e.transport, where);
            s.socket = Side::Socket::None;  // reports nothing more
          },
          [&](const Send& e) {
            check_transport_id(e.transport, where);
            FUZZ_CHECK(e.message.is_object(), where + " without a message object");
            FUZZ_CHECK(signaling::vcm::outbound_type(e.message) != "unknown", where + ": message has no known wire type");
            if (s.url_mode && s.socket != Side::Socket::Open) {
              // js/shell/transports.js: the socket is not open, send() throws.
              s.followups.push_back(io::make_input(io::in::SendFailed{e.message, "socket not open"}, kTransport));
            } else {
              s.outbox.push_back(e.message);
            }
          },
          // ---- the peer connection
          [&](const CreatePc& e) {
            check_pc_id(e.pc, where);
            FUZZ_CHECK(!s.pc || s.spoofed, where + " while a peer connection is open (the shell would leak it)");
            s.pc = true;
            s.channel_open = false;
            s.channel_labels.clear();
            for (const auto& c : e.data_channels) s.channel_labels.insert(c.label);
            s.senders.clear();
            s.signaling_state = "stable";
            s.next_candidate = 0;
            s.gathering_done = false;
          },
          [&](const ClosePc& e) {
            check_pc_id(e.pc, where);
            s.pc = false;
            s.channel_open = false;
            s.channel_outbox.clear();
            s.senders.clear();
            // Operations of a closed RTCPeerConnection never complete (webrtc-pc: "abort these steps").
            std::erase_if(s.pending, [](const Pending& p) {
              return p.kind == Pending::Local || p.kind == Pending::Remote || p.kind == Pending::Rollback;
            });
          },
          [&](const SetLocalDescription& e) {
            check_pc_id(e.pc, where);
            FUZZ_CHECK(e.type == "offer" || e.type == "answer", where + ": type");
            FUZZ_CHECK(pc_ok, where + " without a peer connection");
            s.pending.push_back({Pending::Local, e.type});
          },
          [&](const SetRemoteDescription& e) {
            check_pc_id(e.pc, where);
            FUZZ_CHECK(e.description.is_object() && is_string(e.description, "type") && is_string(e.description, "sdp"),
                       where + ": description");
            FUZZ_CHECK(pc_ok, where + " without a peer connection");
            if (e.rollback) s.pending.push_back({Pending::Rollback, ""});
            s.pending.push_back({Pending::Remote, e.description["type"].get<std::string>()});
          },
          [&](const AddIceCandidate& e) {
            check_pc_id(e.pc, where);
            FUZZ_CHECK(e.candidate.is_null() || e.candidate.is_object(), where + ": candidate");
            FUZZ_CHECK(pc_ok, where + " without a peer connection");
          },
          [&](const RestartIce& e) {
            check_pc_id(e.pc, where);
            FUZZ_CHECK(pc_ok, where + " without a peer connection");
          },
          [&](const AddTrack& e) {
            check_pc_id(e.pc, where);
            FUZZ_CHECK(pc_ok, where + " without a peer connection");
            FUZZ_CHECK(!e.tag.empty(), where + ": empty tag");
            FUZZ_CHECK(s.senders.count(e.tag) == 0 || s.spoofed, where + ": tag '" + e.tag + "' already has a sender");
            check_held(s, e.track, where);
            if (const std::string other = carried_by(s, io::to_int(e.track), e.tag); !other.empty())
              FUZZ_CHECK(false, where + ": TrackId " + std::to_string(io::to_int(e.track)) + " is already sent by tag '" +
                                    other + "' (addTrack throws)");
            FUZZ_CHECK(e.stream_id.empty() || s.streams.count(e.stream_id) != 0,
                       where + ": streamId '" + e.stream_id + "' is not a stream the shell reported");
            s.senders[e.tag] = {io::to_int(e.track), false};
            if (e.stream_id.empty()) {
              // js/shell/peers.js: a new MediaStream for the track, reported by trackAdded.
              const std::string stream = "stream-" + e.tag + "-" + std::to_string(s.next_stream++);
              s.streams.insert(stream);
              s.followups.push_back(io::make_input(io::in::TrackAdded{e.tag, stream}, kPc));
            }
          },
          [&](const PrepareSender& e) {
            // js/shell/peers.js: an offered transceiver of the kind becomes the tag's sender with no
            // track (instant answer), reported by trackAdded with a new stream.
            check_pc_id(e.pc, where);
            FUZZ_CHECK(pc_ok, where + " without a peer connection");
            FUZZ_CHECK(!e.tag.empty(), where + ": empty tag");
            FUZZ_CHECK(e.kind == "audio" || e.kind == "video", where + ": kind '" + e.kind + "'");
            FUZZ_CHECK(s.senders.count(e.tag) == 0 || s.spoofed, where + ": tag '" + e.tag + "' already has a sender");
            s.senders[e.tag] = {0, true};
            const std::string stream = "stream-" + e.tag + "-" + std::to_string(s.next_stream++);
            s.streams.insert(stream);
            s.followups.push_back(io::make_input(io::in::TrackAdded{e.tag, stream}, kPc));
          },
          [&](const ReplaceTrack& e) {
            check_pc_id(e.pc, where);
            FUZZ_CHECK(pc_ok, where + " without a peer connection");
            FUZZ_CHECK(s.senders.count(e.tag) != 0 || s.spoofed, where + ": tag '" + e.tag + "' has no sender");
            if (e.track) check_held(s, *e.track, where);
            if (s.senders.count(e.tag) != 0) {
              Side::Sender& sender = s.senders[e.tag];
              sender.paused = !e.track;
              if (e.track) sender.track = io::to_int(*e.track);
              if (e.track && !carried_by(s, sender.track, e.tag).empty())
                FUZZ_CHECK(false, where + ": TrackId " + std::to_string(sender.track) + " is already sent by tag '" +
                                      carried_by(s, sender.track, e.tag) + "'");
            }
          },
          [&](const RemoveTrack& e) {
            check_pc_id(e.pc, where);
            FUZZ_CHECK(pc_ok, where + " without a peer connection");
            FUZZ_CHECK(s.senders.count(e.tag) != 0 || s.spoofed, where + ": tag '" + e.tag + "' has no sender");
            s.senders.erase(e.tag);
          },
          [&](const CollectStats& e) {
            check_pc_id(e.pc, where);
            FUZZ_CHECK(pc_ok, where + " without a peer connection");
            // getStats() of a connection without media: no RTP entries.
            s.followups.push_back(io::make_input(io::in::StatsReport{json::array()}, kPc));
          },
          [&](const DataSend& e) {
            check_pc_id(e.pc, where);
            FUZZ_CHECK(e.text.size() <= signaling::vcm::kMaxAppMessageBytes, where + ": text over the data channel limit");
            FUZZ_CHECK(s.channel_labels.count(e.label) != 0 || s.spoofed || !s.pc,
                       where + ": data channel '" + e.label + "' was not created with the connection");
            if (s.pc && s.channel_open) {
              s.channel_outbox.push_back(e.text);
            } else {
              s.followups.push_back(io::make_input(io::in::DataChannelSendFailed{e.text}, kPc));  // send() throws
            }
          },
          // ---- media
          [&](const AcquireMedia& e) {
            FUZZ_CHECK(e.constraints.is_object() && e.constraints.contains("audio") && e.constraints.contains("video"),
                       where + ": constraints");
            const auto wants = [&](const char* key) {
              const json& c = e.constraints[key];
              return c.is_object() || (c.is_boolean() && c.get<bool>());
            };
            s.pending.push_back({Pending::Media, "", 0, wants("audio"), wants("video")});
          },
          [&](const AcquireDevice& e) {
            FUZZ_CHECK(e.kind == "audio" || e.kind == "video", where + ": trackKind");
            FUZZ_CHECK(e.constraints.is_object() && e.constraints.contains(e.kind), where + ": constraints");
            s.pending.push_back({Pending::Device, e.kind, e.request_id});
          },
          [&](const SetTrackEnabled& e) { check_held(s, e.track, where); },
          [&](const ReleaseTrack& e) {
            check_held(s, e.track, where);
            const int id = io::to_int(e.track);
            if (const std::string tag = carried_by(s, id); !tag.empty())
              FUZZ_CHECK(false, where + ": stops TrackId " + std::to_string(id) + ", which tag '" + tag + "' still sends");
            release(s, id);
          },
          [&](const SwapLocalTrack& e) {
            check_held(s, e.from, where + " (from)");
            check_held(s, e.to, where + " (to)");
            const int from = io::to_int(e.from), to = io::to_int(e.to);
            const bool audio = s.local_audio == from, video = s.local_video == from;
            release(s, from);
            if (audio) s.local_audio = to;
            if (video) s.local_video = to;
          },
          [&](const StopTracks&) {
            for (int id : std::set<int>(s.held)) {
              s.stopped_now.insert(id);
              release(s, id);
            }
          },
          [&](const ReleaseStreams&) {
            s.streams.clear();
            s.local_stream = false;
          },
          // ---- the app
          [&](const SettleRequest& e) { settle(s, e, where); },
          [&](const Emit& e) { check_emit(s, e, where); },
      },
      effect);
  (void)w;
}

void check_log(World& w) {
  const auto& entries = w.logger.entries();
  const std::uint64_t total = entries.size() + w.logger.dropped();
  const std::uint64_t fresh = std::min<std::uint64_t>(total - w.log_checked, entries.size());
  for (std::size_t i = entries.size() - fresh; i < entries.size(); ++i) {
    FUZZ_CHECK(in_dictionary({events::kLogEventGroup, events::kWireGroup, events::kConnectionGroup, events::kEventGroup},
                             entries[i].event),
               "log event '" + entries[i].event + "' is not in the dictionary");
  }
  w.log_checked = total;
}

void check_state(World& w, Side& s) {
  const std::string where = s.label + " after step";
  const json back = s.session->snapshot();
  fuzz::check_serializable(back, "snapshot()");
  FUZZ_CHECK(back.is_object() && is_string(back, "callState"), where + ": snapshot() has no callState");
  const std::string state = back["callState"];
  FUZZ_CHECK(events::contains(events::kCallStateGroup, state), where + ": unknown callState '" + state + "'");
  FUZZ_CHECK(state == session::consultation::to_string(s.session->state()), where + ": snapshot callState != state()");
  FUZZ_CHECK(back.value("isInviter", json()) == (s.role == Role::Doctor), where + ": isInviter");
  const int open_calls = unsettled(s.calls, s.calls_settled);
  FUZZ_CHECK(open_calls <= 1, where + ": more than one unsettled call()");
  if (!s.stopped_now.empty() && state != "idle" && state != "ended") {
    // stopTracks ends the local media of a call: only when no call is in progress.
    FUZZ_CHECK(false, where + ": stopTracks in state " + state + " stops the call's own tracks");
  }
  s.stopped_now.clear();
  if (state == "idle" || state == "ended") {
    FUZZ_CHECK(open_calls == 0, where + ": call() left unsettled in state " + state);
    const auto& peer = s.session->peer();
    FUZZ_CHECK(!s.session->enter_deadline() && !s.session->answer_deadline() && !peer.deadline_ice_grace() &&
                   !peer.deadline_ice_restart(),
               where + ": a call timer is still armed in state " + state);
  }
  check_log(w);
}

void feed(World& w, Side& s, const io::Input& input);

// CALLCORE_FUZZ_RECORD: records one step as io::JsonSession does in the page (an input and the
// outputs it produced, or a drain with outputs) and rewrites the recording file, so that it holds
// every step up to the one that breaks an invariant or crashes.
void record(World& w, Side& s, std::string_view op, json in, const std::vector<io::Effect>& outputs) {
  if (!w.recorder || (op == "drain" && outputs.empty())) return;
  json out = json::array();
  for (const auto& e : outputs) out.push_back(io::encode(e));
  const std::size_t bytes = base::json_text(in).size() + base::json_text(out).size();
  w.recorder->step(s.recording, w.now, op, std::move(in), std::move(out), bytes);
  std::FILE* f = std::fopen(g_record, "wb");
  FUZZ_CHECK(f != nullptr, std::string("CALLCORE_FUZZ_RECORD: cannot write ") + g_record);
  const std::string text = base::json_text(json{{"format", "callcore-fuzz-recording"}, {"recording", w.recorder->to_json()}});
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

// The outputs of the last input (or of the constructor: op "drain"), recorded, then checked.
void drain(World& w, Side& s, std::string_view op = "drain", json in = nullptr) {
  std::vector<io::Effect> outputs;
  while (auto o = s.session->poll_output()) outputs.push_back(std::move(*o));
  record(w, s, op, std::move(in), outputs);
  for (const auto& o : outputs) check_output(w, s, o);
  check_state(w, s);
  while (!s.followups.empty()) {
    io::Input next = std::move(s.followups.front());
    s.followups.pop_front();
    feed(w, s, next);
  }
}

void feed(World& w, Side& s, const io::Input& input) {
  if (g_trace) {
    std::string text;
    if (const auto* t = std::get_if<io::FromTransport>(&input)) {
      if (const auto* m = std::get_if<io::in::TransportMessage>(&t->event)) text = m->text.substr(0, 160);
    }
    if (const auto* p = std::get_if<io::FromPc>(&input)) {
      if (const auto* m = std::get_if<io::in::DataChannelMessage>(&p->event)) text = m->text.substr(0, 160);
    }
    std::fprintf(stderr, "%8.0f %s <- %s %s\n", w.now, s.label.c_str(), std::string(fuzz::input_kind(input)).c_str(),
                 text.c_str());
  }
  s.session->handle(input, base::Ms(w.now));
  if (std::holds_alternative<io::Timeout>(input)) {
    // Every timer due at `now` fired: the next deadline is later.
    const auto next = s.session->poll_timeout();
    FUZZ_CHECK(!next || next->value > w.now, s.label + ": poll_timeout() is still due after a timeout input at " +
                                                 std::to_string(w.now) + " (" + std::to_string(next->value) + ")");
  }
  drain(w, s, "input", w.recorder ? io::encode_input(input) : json(nullptr));
}

template <typename Leaf>
void feed_leaf(World& w, Side& s, Leaf&& leaf, int id = 1) {
  feed(w, s, io::make_input(std::forward<Leaf>(leaf), id));
}

void feed_message(World& w, Side& s, const std::string& text) {
  feed_leaf(w, s, io::in::TransportMessage{text}, kTransport);
}

// The reference server's routing (docs/protocol.md §2–§4), for two members; and the data channel.
void deliver(World& w, Side& from, Side& to) {
  auto batch = std::move(from.outbox);
  from.outbox.clear();
  for (json& m : batch) {
    const std::string server_type = is_string(m, "type") ? m["type"].get<std::string>() : "";
    if (server_type == "join") {
      if (!from.url_mode) continue;  // a portal-owned socket never joins
      json members = json::array();
      if (to.joined || !to.url_mode) members.push_back({{"connectionId", to.connection_id}});
      from.joined = true;
      feed_message(w, from, json{{"type", "joined"},
                                 {"data", {{"connectionId", from.connection_id}, {"consultationId", kConsultation}, {"members", members}}}}
                                .dump());
      if (to.joined || !to.url_mode)
        feed_message(w, to, json{{"type", "peerJoined"},
                                 {"data", {{"connectionId", from.connection_id}, {"consultationId", kConsultation}}}}
                                .dump());
      continue;
    }
    if (server_type == "leave") {
      if (!from.url_mode || !from.joined) continue;
      from.joined = false;
      if (to.joined || !to.url_mode)
        feed_message(w, to, json{{"type", "peerLeft"},
                                 {"data", {{"connectionId", from.connection_id}, {"consultationId", kConsultation}, {"reason", "left"}}}}
                                .dump());
      continue;
    }
    if (from.url_mode && !from.joined) continue;  // the server answers notJoined; dropped
    const bool publish = m.contains("route") && m["route"] == "vcm";
    json data = m.contains("data") && m["data"].is_object() ? m["data"] : json::object();
    const std::string type = publish ? (is_string(data, "type") ? data["type"].get<std::string>() : "") : server_type;
    if (data.contains("sender") && data["sender"].is_object()) data["sender"]["connectionId"] = from.connection_id;
    if (!publish && m.contains("connectionIds") && m["connectionIds"].is_array() && !m["connectionIds"].empty()) {
      bool routable = false;
      for (const auto& id : m["connectionIds"]) routable = routable || id == to.connection_id;
      if (!routable) {
        feed_message(w, from, json{{"type", "error"},
                                   {"data", {{"code", "unroutable"}, {"message", "connection id(s) not in consultation"}, {"requestType", type}}}}
                                  .dump());
        continue;
      }
    }
    if (to.url_mode && !to.joined) continue;  // not in the room yet
    feed_message(w, to, json{{"type", type}, {"data", data}}.dump());
  }
  auto texts = std::move(from.channel_outbox);
  from.channel_outbox.clear();
  for (auto& t : texts) {
    if (to.pc && to.channel_open) feed_leaf(w, to, io::in::DataChannelMessage{std::move(t)}, kPc);
  }
}

void set_signaling_state(World& w, Side& s, const std::string& next) {
  if (next == s.signaling_state) return;
  s.signaling_state = next;
  feed_leaf(w, s, io::in::PeerStateChange{"signalingstatechange", next}, kPc);
}

void complete(World& w, Side& s, bool ok) {
  if (s.pending.empty()) return;
  const Pending p = s.pending.front();
  s.pending.pop_front();
  switch (p.kind) {
    case Pending::Media:
      if (ok) {
        // js/shell/media.js: the stream's tracks get new TrackIds.
        io::in::MediaAcquired m;
        if (p.audio) m.audio = static_cast<io::TrackId>(*(s.local_audio = hand_in(s)));
        if (p.video) m.video = static_cast<io::TrackId>(*(s.local_video = hand_in(s)));
        m.stream_id = "local-stream-" + std::to_string(s.next_stream++);
        s.streams.insert(m.stream_id);
        s.local_stream = true;
        feed_leaf(w, s, std::move(m));
      } else {
        feed_leaf(w, s, io::in::MediaFailed{"NotAllowedError", "Permission denied", ""});
      }
      return;
    case Pending::Device:
      if (ok) {
        const int track = hand_in(s);
        feed_leaf(w, s, io::in::DeviceAcquired{p.request_id, p.type, static_cast<io::TrackId>(track), "device-2"});
      } else {
        feed_leaf(w, s, io::in::DeviceFailed{p.request_id, p.type, "NotReadableError", "Could not start video source"});
      }
      return;
    case Pending::Local:
      if (!ok) {
        feed_leaf(w, s, io::in::OperationFailed{"setLocalDescription", "OperationError", "Failed to set local description"}, kPc);
        return;
      }
      set_signaling_state(w, s, p.type == "offer" ? "have-local-offer" : "stable");
      feed_leaf(w, s, io::in::LocalDescription{p.type, p.type == "offer" ? fuzz::real::kOfferSdp : fuzz::real::kAnswerSdp}, kPc);
      return;
    case Pending::Rollback:
      if (!ok) {
        feed_leaf(w, s, io::in::OperationFailed{"rollback", "InvalidStateError", "Called in wrong state: stable"}, kPc);
        return;
      }
      set_signaling_state(w, s, "stable");
      return;
    case Pending::Remote:
      if (!ok) {
        feed_leaf(w, s, io::in::OperationFailed{"setRemoteDescription", "InvalidAccessError", "Failed to set remote description"}, kPc);
        return;
      }
      set_signaling_state(w, s, p.type == "offer" ? "have-remote-offer" : "stable");
      feed_leaf(w, s, io::in::RemoteDescriptionSet{p.type}, kPc);
      return;
  }
}

void next_candidate(World& w, Side& s) {
  if (!s.pc || s.gathering_done) return;
  const std::span<const char* const> list = s.role == Role::Doctor ? std::span<const char* const>(fuzz::real::kDoctorCandidates)
                                                                   : std::span<const char* const>(fuzz::real::kClientCandidates);
  if (s.next_candidate < list.size()) {
    feed_leaf(w, s, io::in::LocalIceCandidate{json::parse(list[s.next_candidate++])}, kPc);
  } else {
    s.gathering_done = true;
    feed_leaf(w, s, io::in::LocalIceCandidate{nullptr}, kPc);
  }
}

// Time passes by `payload` ms: the shell's one timer feeds a timeout at each deadline on the way
// (js/shell/loop.js arms it at poll_timeout()).
void advance(World& w, Side& s, std::string_view payload) {
  double ms = 1000;
  if (!payload.empty()) {
    ms = 0;
    for (char c : payload.substr(0, 8)) {
      if (c < '0' || c > '9') break;
      ms = ms * 10 + (c - '0');
    }
  }
  const double target = w.now + ms;
  // Each timeout moves the next deadline past `now` (checked in feed()), so this ends; the bound
  // only keeps a long wait with a short periodic timer cheap.
  for (int fired = 0; fired < 64; ++fired) {
    const auto due = s.session->poll_timeout();
    if (!due || due->value > target) break;
    w.now = std::max(w.now, due->value);
    feed(w, s, io::Timeout{});
  }
  w.now = std::max(w.now, target);
}

void shell_input(World& w, Side& s, std::string_view payload) {
  const json j = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return;
  auto input = io::decode_input(j);
  if (!input) return;
  // The fuzzer plays the shell: what it hands in counts as issued or held.
  std::visit(overloaded{
                 [&](const io::FromApp& a) {
                   std::visit(overloaded{
                                  [&](const io::in::Call& c) { ++s.calls[c.request_id]; },
                                  [&](const io::in::SendMessage& r) { ++s.requests[r.request_id]; },
                                  [&](const io::in::SendTrack& r) {
                                    ++s.requests[r.request_id];
                                    hand_in_spoofed(s, r.track);
                                  },
                                  [&](const io::in::TrackControl& r) { ++s.requests[r.request_id]; },
                                  [&](const io::in::SwitchDevice& r) { ++s.requests[r.request_id]; },
                                  [](const auto&) {},
                              },
                              a.request);
                 },
                 [&](const io::FromTransport&) {},
                 [&](const io::FromPc& p) {
                   std::visit(overloaded{
                                  [&](const io::in::RemoteTrack& r) { s.streams.insert(r.stream_id); },
                                  [&](const io::in::TrackAdded& t) { s.streams.insert(t.stream_id); },
                                  [](const auto&) {},
                              },
                              p.event);
                   // Browser results reported out of turn.
                   if (std::holds_alternative<io::in::LocalDescription>(p.event) ||
                       std::holds_alternative<io::in::RemoteDescriptionSet>(p.event) ||
                       std::holds_alternative<io::in::OperationFailed>(p.event) ||
                       std::holds_alternative<io::in::TrackAdded>(p.event) ||
                       std::holds_alternative<io::in::DataChannelSendFailed>(p.event) ||
                       std::holds_alternative<io::in::DataChannelState>(p.event))
                     s.spoofed = true;
                 },
                 [&](const io::FromMedia& m) {
                   std::visit(overloaded{
                                  [&](const io::in::MediaAcquired& a) {
                                    if (a.audio) hand_in_spoofed(s, *a.audio);
                                    if (a.video) hand_in_spoofed(s, *a.video);
                                    s.streams.insert(a.stream_id);
                                    s.local_stream = true;
                                  },
                                  [&](const io::in::DeviceAcquired& d) {
                                    if (d.request_id != 0) ++s.requests[d.request_id];
                                    hand_in_spoofed(s, d.track);
                                  },
                                  [&](const io::in::DeviceFailed& d) {
                                    if (d.request_id != 0) ++s.requests[d.request_id];
                                  },
                                  [](const auto&) {},
                              },
                              m.event);
                   if (!std::holds_alternative<io::in::TrackEnded>(m.event)) s.spoofed = true;
                 },
                 [](const io::Timeout&) {},
             },
             *input);
  feed(w, s, *input);
}

// RTCPeerConnectionState named by the payload: a state name, or any other text picks one.
std::string connection_state(std::string_view payload) {
  constexpr std::string_view kStates[] = {"new", "connecting", "connected", "disconnected", "failed", "closed"};
  if (payload.empty()) return "connected";
  for (auto st : kStates) {
    if (payload == st) return std::string(st);
  }
  return std::string(kStates[static_cast<unsigned char>(payload[0]) % std::size(kStates)]);
}

int new_request(Side& s) {
  const int id = s.next_request++;
  ++s.requests[id];
  return id;
}

// The track the 'e' op ends: see the op list at the top.
void track_ended(World& w, Side& s, std::string_view payload) {
  const std::optional<int> track = payload == "audio" ? s.local_audio : payload == "screen" ? s.screen : s.local_video;
  if (!track || s.held.count(*track) == 0 || !s.ended.insert(*track).second) return;
  feed_leaf(w, s, io::in::TrackEnded{static_cast<io::TrackId>(*track)});
}

constexpr char kOps[] = "jmChzvaxfiktwolnsrpge";

void step(World& w, std::string_view line) {
  if (line.empty()) return;
  const unsigned char side_byte = static_cast<unsigned char>(line[0]);
  const int index = side_byte == 'd' ? 0 : side_byte == 'c' ? 1 : (side_byte & 1);
  Side& s = w.sides[index];
  Side& other = w.sides[1 - index];
  char op = line.size() > 1 ? line[1] : 'a';
  if (std::string_view(kOps).find(op) == std::string_view::npos)
    op = kOps[static_cast<unsigned char>(op) % (sizeof(kOps) - 1)];
  const std::string_view payload = line.size() > 2 ? line.substr(2) : std::string_view();
  w.now += 1;
  using namespace io::in;
  switch (op) {
    case 'j': shell_input(w, s, payload); break;
    case 'm':
      if (fuzz::valid_utf8(payload)) feed_message(w, s, std::string(payload));
      break;
    case 'C': {
      const int id = s.next_request++;
      ++s.calls[id];
      feed_leaf(w, s, Call{id});
      break;
    }
    case 'h': feed_leaf(w, s, HangUp{}); break;
    case 'z': feed_leaf(w, s, Destroy{}); break;
    case 'v': {
      const unsigned char b = payload.empty() ? 0 : static_cast<unsigned char>(payload[0]);
      ChangeDeviceState c;
      if (b & 1) c.is_mute = (b & 2) != 0;
      if (b & 4) c.is_hidden = (b & 8) != 0;
      feed_leaf(w, s, c);
      break;
    }
    case 's': {
      if (!fuzz::valid_utf8(payload)) break;
      json body = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
      if (body.is_discarded()) body = std::string(payload);
      feed_leaf(w, s, SendMessage{new_request(s), "chat", std::move(body)});
      break;
    }
    case 'r': {
      int track;
      if (payload == "camera" && s.local_video && s.held.count(*s.local_video) != 0) {
        track = *s.local_video;
      } else {
        track = hand_in(s);
        s.screen = track;
      }
      feed_leaf(w, s, SendTrack{new_request(s), "screen", "video", static_cast<io::TrackId>(track), false});
      break;
    }
    case 'p': {
      const char a = payload.empty() ? 'p' : payload[0];
      feed_leaf(w, s, TrackControl{new_request(s), a == 'r' ? "resume" : a == 'c' ? "close" : "pause", "screen"});
      break;
    }
    case 'g': feed_leaf(w, s, SwitchDevice{new_request(s), payload == "video" ? "video" : "audio", "device-2"}); break;
    case 'e': track_ended(w, s, payload); break;
    case 'a': complete(w, s, true); break;
    case 'f': complete(w, s, false); break;
    case 'x': deliver(w, s, other); break;
    case 'i': next_candidate(w, s); break;
    case 'k':
      if (s.pc) {
        const std::string state = connection_state(payload);
        feed_leaf(w, s, PeerStateChange{"connectionstatechange", state}, kPc);
        if (state == "connected" && s.pc && !s.channel_open) {
          s.channel_open = true;
          feed_leaf(w, s, DataChannelState{"open"}, kPc);
        }
      }
      break;
    case 'n':
      if (s.pc) feed_leaf(w, s, NegotiationNeeded{}, kPc);
      break;
    case 't': advance(w, s, payload); break;
    case 'w':
      if (s.pc) {
        s.streams.insert("remote-stream-1");  // js/shell/peers.js: ontrack records the stream first
        feed_leaf(w, s, RemoteTrack{payload == "audio" ? "audio" : "video", "remote-stream-1"}, kPc);
      }
      break;
    case 'o':
      if (s.socket == Side::Socket::Connecting) {
        s.socket = Side::Socket::Open;
        feed_leaf(w, s, TransportOpened{}, kTransport);
      }
      break;
    case 'l':
      if (s.socket != Side::Socket::None) {
        s.socket = Side::Socket::None;
        s.joined = false;
        feed_leaf(w, s, TransportClosed{1006, ""}, kTransport);
      }
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* strict = std::getenv("CALLCORE_FUZZ_STRICT");
  g_strict = strict && *strict && std::string_view(strict) != "0";
  const char* trace = std::getenv("CALLCORE_FUZZ_TRACE");
  g_trace = trace && *trace && std::string_view(trace) != "0";
  const char* record = std::getenv("CALLCORE_FUZZ_RECORD");
  if (record && *record) g_record = record;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const unsigned char header = data[0];
  World w;
  w.sides[0].role = Role::Doctor;
  w.sides[0].label = "doctor";
  w.sides[0].connection_id = "c-ddc61b654cb8";
  w.sides[0].url_mode = header & 1;
  w.sides[0].is_audio = header & 4;
  w.sides[1].role = Role::Client;
  w.sides[1].label = "client";
  w.sides[1].connection_id = "c-c4c8ea46d4ca";
  w.sides[1].url_mode = header & 2;
  w.sides[1].is_audio = header & 8;
  if (g_record) w.recorder = std::make_unique<log::Recorder>();
  for (Side& s : w.sides) {
    const char* role = s.role == Role::Doctor ? "doctor" : "client";
    if (w.recorder) {
      const json params = params_for(s);
      s.recording = w.recorder->begin("consultation", role, params, w.now, nullptr, base::json_text(params).size());
    }
    auto made = session::consultation::make_session(role, params_for(s), w.logger, base::Ms(w.now));
    FUZZ_CHECK(std::holds_alternative<std::unique_ptr<ConsultationSession>>(made), "the target's params do not validate");
    s.session = std::move(std::get<std::unique_ptr<ConsultationSession>>(made));
    drain(w, s);
  }
  std::size_t pos = 1, steps = 0;
  while (pos < text.size() && steps++ < kMaxSteps) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    step(w, text.substr(pos, end - pos));
    pos = end + 1;
  }
  dump_strict(w.logger.to_json(), "logger export");
  if (g_trace) {
    for (const Side& s : w.sides) std::fprintf(stderr, "%s final: %s\n", s.label.c_str(), s.session->snapshot().dump().c_str());
  }
  return 0;
}
