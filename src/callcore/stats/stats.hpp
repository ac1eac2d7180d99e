// Call statistics and quality, computed by the core from the browser's getStats() reports
// (sans-IO: the shell only runs getStats() when asked and hands the report back).
//
// A report is the RTCStatsReport as a JSON array of its stats dictionaries (W3C webrtc-stats
// §3 RTCStatsType: "inbound-rtp", "outbound-rtp", "remote-inbound-rtp", "candidate-pair",
// "local-candidate", "remote-candidate", "media-source", "transport"), fields as Chromium and
// Firefox report them (captured reports of both: tests/unit/data/stats/). Where they differ the
// analyzer reads both shapes, never the user agent: Firefox ESR 153 names no mediaSourceId in
// outbound-rtp (the lone unnamed media-source of the kind is taken) and gives its audio
// media-source no audioLevel (absent); older Firefox had no "transport" entry (the pair marked
// `selected` is taken) and older browsers `mediaType` instead of `kind`. Successive reports
// give rates (bitrate, fps, loss over the interval); counters that go backwards (a stream that
// restarted) start a new baseline instead of giving negative rates.
//
// Figures per direction and per track: bitrate (bps), RTT (ms), jitter (ms), packet loss (% of
// the packets of the interval), frames decoded / encoded / dropped (totals), fps, resolution,
// audio level (0..1), freezes (count, total ms: W3C freezeCount / totalFreezesDuration when
// the browser reports them, else detected here from framesDecoded stalls), a MOS estimate for
// audio, and the selected candidate pair (candidate types host / srflx / prflx / relay,
// protocol). From them a quality level per peer, after LiveKit's ConnectionQuality (excellent /
// good / poor / lost; unknown before the first interval).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "callcore/base/time.hpp"
#include "callcore/io/context.hpp"
#include "callcore/io/ids.hpp"
#include "callcore/io/input.hpp"

namespace callcore::stats {

/// A peer's connection quality (LiveKit ConnectionQuality: EXCELLENT, GOOD, POOR, LOST, plus
/// UNKNOWN before anything was measured). Ordered from best to worst after Unknown.
enum class Quality { Unknown, Excellent, Good, Poor, Lost };
/// "unknown" | "excellent" | "good" | "poor" | "lost".
std::string_view to_string(Quality quality);

// ---- the E-model (ITU-T G.107) ---------------------------------------------------------------

/// The transmission rating factor R of ITU-T G.107 (06/2015) §7, simplified as Cole and
/// Rosenbluth did for VoIP monitoring ("Voice over IP performance monitoring", ACM SIGCOMM CCR
/// 31(2), 2001), the form most WebRTC MOS estimates use:
///   R = 93.2 − Id − Ie,eff
/// - 93.2 is R0 − Is with every G.107 default (Table 3), the advantage factor A = 0;
/// - Id, the delay impairment, from the one-way delay d (ms): 0.024·d + 0.11·(d − 177.3)·H(d −
///   177.3), H the step function (Cole–Rosenbluth's fit of G.107 §7.3 for echo-free links);
/// - Ie,eff, the equipment impairment under random loss (G.107 eq. 7-29 with BurstR = 1):
///   Ie + (95 − Ie)·Ppl / (Ppl + Bpl), Ppl the packet loss in %, Ie = 0 and Bpl = 25.1: the
///   G.113 Appendix I values of G.711 with packet loss concealment (G.113 gives none for Opus;
///   Opus conceals better, so this errs on the pessimistic side).
/// Clamped to [0, 100]. `one_way_delay_ms` and `loss_pct` are clamped at 0.
double r_factor(double one_way_delay_ms, double loss_pct);
/// The MOS (1..4.5) of an R factor: ITU-T G.107 Annex B eq. (B-4): 1 for R < 0, 4.5 for
/// R > 100, else 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶.
double mos_from_r(double r);
/// The one-way mouth-to-ear delay (ms) the model uses for a stream: half the round trip, a
/// jitter buffer of twice the jitter, and 20 ms of packetization (one Opus frame):
///   d = rtt/2 + 2·jitter + 20.
double one_way_delay_ms(double rtt_ms, double jitter_ms);
/// The quality level of an R factor: excellent from 80 (G.107 Table B.1 "users satisfied"),
/// good from 60 ("many users dissatisfied" starts below), poor below 60.
Quality quality_from_r(double r);

// ---- figures ---------------------------------------------------------------------------------

/// One direction of one track over the last interval (absent fields: not reported, or no
/// interval yet). Rates need two reports; totals come from the latest one.
struct StreamFigures {
  std::string kind;   // "audio" | "video"
  std::string track;  // the track's id (inbound-rtp / media-source trackIdentifier), "" if unknown
                      // (outbound: the media-source its mediaSourceId names, else the only one
                      // of its kind no outbound-rtp names, when it is the only such sender)
  std::string mid;
  std::optional<double> bitrate_bps;       // payload bytes (bytesReceived / bytesSent) per second × 8
  std::optional<double> packets_lost_pct;  // inbound: of the interval; outbound: RTCP fractionLost × 100
  std::optional<double> jitter_ms;         // inbound: ours; outbound: the far side's (remote-inbound-rtp)
  std::optional<double> rtt_ms;            // outbound: remote-inbound-rtp; inbound: the candidate pair's
  std::optional<double> mos;               // audio: mos_from_r(r_factor(...))
  std::optional<double> audio_level;       // 0..1: inbound-rtp / media-source audioLevel
  std::optional<double> frames;            // video total: framesDecoded (inbound) / framesEncoded (outbound)
  std::optional<double> frames_dropped;    // video inbound total
  std::optional<double> fps;               // framesPerSecond, else frames delta / interval
  std::optional<double> width, height;     // frameWidth / frameHeight
  std::optional<double> freeze_count;      // video inbound total
  std::optional<double> freezes_ms;        // video inbound total duration of freezes
  bool freezing = false;                   // video inbound: a freeze began or lasted in this interval
  bool stalled = false;                    // video inbound: no frame decoded in the whole interval
  std::optional<double> packets;           // packets received / sent in the interval
  std::optional<double> r;                 // the stream's R factor, when loss is known
};

/// The selected candidate pair (transport.selectedCandidatePairId, else the pair marked
/// `selected` or nominated and succeeded).
struct PairFigures {
  std::string local_type, remote_type;  // host | srflx | prflx | relay
  std::string protocol;                 // udp | tcp (the local candidate's)
  std::string relay_protocol;           // udp | tcp | tls for a relay candidate, else ""
  std::optional<double> rtt_ms;         // currentRoundTripTime
  std::optional<double> available_outgoing_bps;
};

/// Everything one report gave.
struct Figures {
  double interval_ms = 0;  // between this report and the previous one (their timestamps); 0 first
  std::vector<StreamFigures> inbound, outbound;
  std::optional<PairFigures> pair;
  std::optional<double> mos;  // the worst audio MOS of both directions
  std::optional<double> r;    // the worst stream R (video included), before freezes count
  Quality quality = Quality::Unknown;
};

/// `{intervalMs, quality, mos?, rttMs?, candidatePair?: {localType, remoteType, protocol,
/// relayProtocol?, rttMs?, availableOutgoingBitrate?}, inbound: [...], outbound: [...]}` with
/// streams as `{kind, trackId, mid?, bitrate?, packetLoss?, jitterMs?, rttMs?, mos?,
/// audioLevel?, framesDecoded? | framesEncoded?, framesDropped?, fps?, width?, height?,
/// freezeCount?, freezesMs?}` (units in the names; bitrate in bps, packetLoss in %); figures
/// rounded to 3 decimals. The dictionary's StatsEvent type declares it.
nlohmann::json to_json(const Figures& figures);

/// Computes Figures from successive reports of one RTCPeerConnection.
class Analyzer {
 public:
  /// The figures of `report` (see the file comment), or the reason it is malformed: not an
  /// array, more than kMaxEntries entries, an entry that is not an object or has no string `id`
  /// and `type`, or an entry of a type used here without a numeric `timestamp`. A malformed
  /// report changes nothing. Fields of a wrong type read as absent.
  std::variant<Figures, std::string> update(const nlohmann::json& report);
  /// Forgets every previous report (a new connection).
  void reset() {
    previous_.clear();
    last_timestamp_ = 0;
  }

  static constexpr std::size_t kMaxEntries = 1000;

 private:
  // The previous report's counters of one RTP stream.
  struct Counters {
    std::string id;  // the RTP stream's stats id
    double timestamp = 0;
    double bytes = 0;
    double packets = 0;
    double lost = 0;
    double frames = 0;
    double freezes = 0;         // the browser's freezeCount
    double own_freezes = 0;     // freezes detected here (no freezeCount from the browser)
    double own_freeze_ms = 0;
    bool stalled = false;
  };
  std::vector<Counters> previous_;
  double last_timestamp_ = 0;  // the latest stats timestamp of the previous report (ms)
};

// ---- collection ------------------------------------------------------------------------------

/// The stats types the shell is asked to return (collectStats `types`, W3C webrtc-stats
/// RTCStatsType names), in the order of report_fields()'s keys.
const std::vector<std::string>& report_types();
/// The members of each type the core reads (collectStats `fields`): a JSON object, type → array
/// of member names. The shell returns only these members (and `id` and `type`) of each entry:
/// a recorded report (log/recorder.hpp) is ~4 KB instead of ~13 KB (Chromium, one audio and one
/// video each way).
const nlohmann::json& report_fields();

/// Collects stats of one peer connection at an adaptive interval and emits `stats` and
/// `qualityChanged` events (the dictionary's EVENT_LIST.STATS, QUALITY_CHANGED) through the
/// session's io::Context. Interval: 1 s, backing off to 2, 3 or 4 s when the collection took
/// more than 16, 32 or 48 ms (measured from the collectStats effect to its report, as
/// sip-connector's StatsPeerConnection does); the next collection is due one interval after the
/// previous one started, and never while one is outstanding. Quality drops at once and rises
/// only after two reports in a row at the better level, so a single good sample does not flap
/// the badge.
class Monitor {
 public:
  Monitor(io::Context& ctx, io::PcId pc) : ctx_(ctx), pc_(pc) {}

  /// Starts collecting: the first collection is due one interval (1 s) later (a timeout input
  /// then makes the collectStats effect). Nothing when running already.
  void start();
  /// Stops collecting (the call ended): no more effects or events, a late report is ignored,
  /// quality is unknown again and the figures are forgotten.
  void stop();
  bool running() const { return running_; }
  /// Time passed: collects when due.
  void on_timeout(base::Ms now);
  /// When the next collection is due (nullopt when stopped or one is outstanding).
  std::optional<base::Ms> next_timeout() const;
  /// The answer to collectStats: emits `stats` (and `qualityChanged` when the level changed),
  /// with `connection_id` naming the far side. A failed getStats (`error`) and a malformed
  /// report are logged (statsFailed / statsInvalid) and change nothing but the schedule. A
  /// report that was not asked for (stopped, or none outstanding) is ignored.
  void on_report(const io::in::StatsReport& report, std::string_view connection_id);

  Quality quality() const { return quality_; }
  /// The current collection interval.
  base::Ms interval() const { return interval_; }
  /// The interval after a collection that took `collect`: 1 s, or 2 / 3 / 4 s above 16 / 32 /
  /// 48 ms (sip-connector).
  static base::Ms interval_for(base::Ms collect);

 private:
  io::Context& ctx_;
  io::PcId pc_;
  Analyzer analyzer_;
  bool running_ = false;
  std::optional<base::Ms> requested_at_;  // a collection outstanding since
  base::Ms next_at_{};
  base::Ms interval_{1000};
  Quality quality_ = Quality::Unknown;
  Quality candidate_ = Quality::Unknown;  // a better level seen once, waiting for a second report
};

}  // namespace callcore::stats
