#include "callcore/stats/stats.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"

namespace callcore::stats {

using nlohmann::json;

std::string_view to_string(Quality quality) {
  switch (quality) {
    case Quality::Excellent: return "excellent";
    case Quality::Good: return "good";
    case Quality::Poor: return "poor";
    case Quality::Lost: return "lost";
    case Quality::Unknown: break;
  }
  return "unknown";
}

// ---- the E-model ---------------------------------------------------------------------------------

double one_way_delay_ms(double rtt_ms, double jitter_ms) { return rtt_ms / 2 + 2 * jitter_ms + 20; }

double r_factor(double one_way_delay_ms, double loss_pct) {
  const double d = std::max(0.0, one_way_delay_ms);
  const double ppl = std::clamp(loss_pct, 0.0, 100.0);
  const double id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0.0);
  constexpr double kIe = 0, kBpl = 25.1;
  const double ie_eff = kIe + (95 - kIe) * ppl / (ppl + kBpl);
  return std::clamp(93.2 - id - ie_eff, 0.0, 100.0);
}

double mos_from_r(double r) {
  if (r < 0) return 1;
  if (r > 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

Quality quality_from_r(double r) {
  if (r >= 80) return Quality::Excellent;
  if (r >= 60) return Quality::Good;
  return Quality::Poor;
}

// ---- reading a report ------------------------------------------------------------------------------

namespace {

constexpr std::string_view kInbound = "inbound-rtp";
constexpr std::string_view kOutbound = "outbound-rtp";
constexpr std::string_view kRemoteInbound = "remote-inbound-rtp";
constexpr std::string_view kPair = "candidate-pair";
constexpr std::string_view kMediaSource = "media-source";
constexpr std::string_view kTransport = "transport";

std::optional<double> num(const json& e, const char* key) {
  auto it = e.find(key);
  if (it == e.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}
std::optional<double> scaled(const json& e, const char* key, double factor) {
  auto v = num(e, key);
  return v ? std::optional<double>(*v * factor) : std::nullopt;
}
std::string str(const json& e, const char* key) { return base::string_or(e, key); }
double zero_or(const std::optional<double>& v) { return v.value_or(0); }
// An RTP entry's kind: `kind`, else `mediaType` (its name before webrtc-stats renamed it).
std::string kind_of(const json& e) {
  std::string kind = str(e, "kind");
  return kind.empty() ? str(e, "mediaType") : kind;
}

// The worse of two levels (Unknown counts as nothing).
Quality worse(Quality a, Quality b) {
  if (a == Quality::Unknown) return b;
  if (b == Quality::Unknown) return a;
  return std::max(a, b);
}

void keep_min(std::optional<double>& acc, const std::optional<double>& v) {
  if (v && (!acc || *v < *acc)) acc = v;
}

}  // namespace

std::variant<Figures, std::string> Analyzer::update(const json& report) {
  if (!report.is_array()) return std::string("the report is not an array of stats");
  if (report.size() > kMaxEntries) return std::string("the report has more than 1000 entries");
  for (const auto& e : report) {
    if (!e.is_object()) return std::string("an entry is not an object");
    auto id = e.find("id");
    auto type = e.find("type");
    if (id == e.end() || !id->is_string() || type == e.end() || !type->is_string())
      return std::string("an entry has no string id and type");
    const auto& t = type->get_ref<const std::string&>();
    if ((t == kInbound || t == kOutbound) && !num(e, "timestamp"))
      return "the " + t + " entry " + base::utf8_prefix(id->get_ref<const std::string&>(), 64) + " has no timestamp";
  }
  // The entry whose `key` is `value` (a report has a few dozen entries: a scan is enough).
  auto find = [&](const char* key, const std::string& value) -> const json* {
    if (value.empty()) return nullptr;
    for (const auto& e : report) {
      if (str(e, key) == value) return &e;
    }
    return nullptr;
  };
  auto entry = [&](const std::string& id) { return find("id", id); };

  Figures out;
  // The selected candidate pair.
  const json* pair = nullptr;
  for (const auto& e : report) {
    if (str(e, "type") == kTransport) {
      if (const json* p = entry(str(e, "selectedCandidatePairId"))) pair = p;
    }
  }
  for (const auto& e : report) {
    if (pair) break;
    if (str(e, "type") == kPair && base::bool_or(e, "selected", false)) pair = &e;
  }
  for (const auto& e : report) {
    if (pair) break;
    if (str(e, "type") == kPair && base::bool_or(e, "nominated", false) && str(e, "state") == "succeeded") pair = &e;
  }
  std::optional<double> pair_rtt;
  if (pair) {
    PairFigures p;
    if (const json* local = entry(str(*pair, "localCandidateId"))) {
      p.local_type = str(*local, "candidateType");
      p.protocol = str(*local, "protocol");
      if (p.local_type == "relay") p.relay_protocol = str(*local, "relayProtocol");
    }
    if (const json* remote = entry(str(*pair, "remoteCandidateId"))) p.remote_type = str(*remote, "candidateType");
    p.rtt_ms = pair_rtt = scaled(*pair, "currentRoundTripTime", 1000);
    p.available_outgoing_bps = num(*pair, "availableOutgoingBitrate");
    out.pair = std::move(p);
  }
  // The media-source of an outbound-rtp that names none. Firefox (ESR 153) gives outbound-rtp
  // no mediaSourceId although it reports media-source entries: when exactly one outbound-rtp of a
  // kind names no media-source of the report and exactly one media-source of that kind is named
  // by no outbound-rtp, they belong together; with more of either, which is which is unknown and
  // the track stays "".
  std::set<std::string> named_sources;
  for (const auto& e : report) {
    if (str(e, "type") == kOutbound) {
      if (const json* source = entry(str(e, "mediaSourceId")); source && str(*source, "type") == kMediaSource)
        named_sources.insert(str(*source, "id"));
    }
  }
  std::map<std::string, std::pair<const json*, int>> unnamed_sources;  // kind → (the last, count)
  std::map<std::string, int> sourceless_senders;                      // kind → count
  for (const auto& e : report) {
    const std::string type = str(e, "type");
    if (type == kMediaSource && !named_sources.count(str(e, "id"))) {
      auto& [source, count] = unnamed_sources[str(e, "kind")];
      source = &e;
      ++count;
    } else if (type == kOutbound) {
      const json* source = entry(str(e, "mediaSourceId"));
      if (!source || str(*source, "type") != kMediaSource) ++sourceless_senders[kind_of(e)];
    }
  }
  auto lone_source = [&](const std::string& kind) -> const json* {
    auto sources = unnamed_sources.find(kind);
    auto senders = sourceless_senders.find(kind);
    if (sources == unnamed_sources.end() || senders == sourceless_senders.end()) return nullptr;
    return sources->second.second == 1 && senders->second == 1 ? sources->second.first : nullptr;
  };

  std::vector<Counters> next;
  double latest = 0;
  bool any_interval = false;
  double inbound_packets = 0;
  bool inbound_interval = false;
  for (const auto& e : report) {
    const std::string type = str(e, "type");
    const bool inbound = type == kInbound;
    if (!inbound && type != kOutbound) continue;
    StreamFigures s;
    s.kind = kind_of(e);
    s.mid = str(e, "mid");
    const bool video = s.kind == "video";
    const std::string id = str(e, "id");
    const double ts = *num(e, "timestamp");
    latest = std::max(latest, ts);
    Counters now;
    now.id = id;
    now.timestamp = ts;
    now.bytes = zero_or(num(e, inbound ? "bytesReceived" : "bytesSent"));
    now.packets = zero_or(num(e, inbound ? "packetsReceived" : "packetsSent"));
    now.lost = zero_or(num(e, "packetsLost"));
    s.fps = num(e, "framesPerSecond");
    s.width = num(e, "frameWidth");
    s.height = num(e, "frameHeight");
    std::optional<double> frames = num(e, inbound ? "framesDecoded" : "framesEncoded");
    now.frames = zero_or(frames);
    if (video) s.frames = frames;

    if (inbound) {
      s.track = str(e, "trackIdentifier");
      s.jitter_ms = scaled(e, "jitter", 1000);
      s.rtt_ms = pair_rtt;
      if (!video) s.audio_level = num(e, "audioLevel");
      if (video) s.frames_dropped = num(e, "framesDropped");
    } else {
      const json* source = entry(str(e, "mediaSourceId"));
      if (!source || str(*source, "type") != kMediaSource) source = lone_source(s.kind);
      if (source) {
        s.track = str(*source, "trackIdentifier");
        if (!video) s.audio_level = num(*source, "audioLevel");
      }
      // The far side's reception reports about this stream.
      const json* remote = find("localId", id);
      if (remote && str(*remote, "type") == kRemoteInbound) {
        s.rtt_ms = scaled(*remote, "roundTripTime", 1000);
        s.jitter_ms = scaled(*remote, "jitter", 1000);
        s.packets_lost_pct = scaled(*remote, "fractionLost", 100);
      }
    }

    // Rates over the interval, when the previous report had this stream and no counter went back.
    auto prev = std::find_if(previous_.begin(), previous_.end(), [&](const Counters& c) { return c.id == id; });
    const bool interval = prev != previous_.end() && ts > prev->timestamp && now.bytes >= prev->bytes &&
                          now.packets >= prev->packets && now.frames >= prev->frames;
    if (prev != previous_.end()) {  // the core's own freeze totals outlive a counter reset
      now.own_freezes = prev->own_freezes;
      now.own_freeze_ms = prev->own_freeze_ms;
    }
    std::optional<double> w3c_freezes = inbound && video ? num(e, "freezeCount") : std::nullopt;
    std::optional<double> w3c_freeze_s = inbound && video ? num(e, "totalFreezesDuration") : std::nullopt;
    if (interval) {
      const Counters& p = *prev;
      const double dt = ts - p.timestamp;
      any_interval = true;
      s.bitrate_bps = (now.bytes - p.bytes) * 8 * 1000 / dt;
      s.packets = now.packets - p.packets;
      if (inbound) {
        const double lost = std::max(0.0, now.lost - p.lost);
        const double expected = *s.packets + lost;
        s.packets_lost_pct = expected > 0 ? lost * 100 / expected : 0;
        inbound_interval = true;
        inbound_packets += *s.packets;
      }
      if (!s.fps && video) s.fps = (now.frames - p.frames) * 1000 / dt;
      if (inbound && video) {
        // A stall: packets arrive but no frame is decoded (a sender that stops sending is a
        // pause, not a freeze).
        s.stalled = now.frames > 0 && now.frames == p.frames && *s.packets > 0;
        now.stalled = s.stalled;
        if (s.stalled && !p.stalled) now.own_freezes += 1;
        if (s.stalled) now.own_freeze_ms += dt;
        s.freezing = s.stalled || (w3c_freezes && *w3c_freezes > p.freezes);
      }
      if (s.packets_lost_pct) {
        s.r = r_factor(one_way_delay_ms(s.rtt_ms.value_or(0), s.jitter_ms.value_or(0)), *s.packets_lost_pct);
        if (!video) s.mos = mos_from_r(*s.r);
      }
    }
    if (inbound && video) {
      now.freezes = w3c_freezes.value_or(0);
      if (w3c_freezes) {
        s.freeze_count = w3c_freezes;
        s.freezes_ms = w3c_freeze_s ? std::optional<double>(*w3c_freeze_s * 1000) : std::nullopt;
      } else {
        s.freeze_count = now.own_freezes;
        s.freezes_ms = now.own_freeze_ms;
      }
    }
    next.push_back(std::move(now));
    (inbound ? out.inbound : out.outbound).push_back(std::move(s));
  }

  // The peer: the worst stream, a lost connection, freezes.
  out.interval_ms = last_timestamp_ > 0 && latest > last_timestamp_ ? latest - last_timestamp_ : 0;
  bool stalled = false, freezing = false;
  for (const auto* list : {&out.inbound, &out.outbound}) {
    for (const auto& s : *list) {
      keep_min(out.r, s.r);
      keep_min(out.mos, s.mos);
      stalled = stalled || s.stalled;
      freezing = freezing || s.freezing;
    }
  }
  if (inbound_interval && inbound_packets == 0) {
    out.quality = Quality::Lost;
  } else if (any_interval && out.r) {
    out.quality = quality_from_r(*out.r);
    if (stalled) out.quality = worse(out.quality, Quality::Poor);
    else if (freezing) out.quality = worse(out.quality, Quality::Good);
  }
  previous_ = std::move(next);
  if (latest > 0) last_timestamp_ = latest;
  return out;
}

// ---- JSON --------------------------------------------------------------------------------------

namespace {

void put(json& j, const char* key, const std::optional<double>& v) {
  if (v) j[key] = std::round(*v * 1000) / 1000;
}

json stream_json(const StreamFigures& s, bool inbound) {
  json j = {{"kind", s.kind}, {"trackId", s.track}};
  if (!s.mid.empty()) j["mid"] = s.mid;
  put(j, "bitrate", s.bitrate_bps);
  put(j, "packetLoss", s.packets_lost_pct);
  put(j, "jitterMs", s.jitter_ms);
  put(j, "rttMs", s.rtt_ms);
  put(j, "mos", s.mos);
  put(j, "audioLevel", s.audio_level);
  put(j, inbound ? "framesDecoded" : "framesEncoded", s.frames);
  put(j, "framesDropped", s.frames_dropped);
  put(j, "fps", s.fps);
  put(j, "width", s.width);
  put(j, "height", s.height);
  put(j, "freezeCount", s.freeze_count);
  put(j, "freezesMs", s.freezes_ms);
  return j;
}

}  // namespace

json to_json(const Figures& f) {
  json j = {{"intervalMs", std::round(f.interval_ms * 1000) / 1000}, {"quality", to_string(f.quality)}};
  put(j, "mos", f.mos);
  if (f.pair) {
    json p = {{"localType", f.pair->local_type}, {"remoteType", f.pair->remote_type}, {"protocol", f.pair->protocol}};
    if (!f.pair->relay_protocol.empty()) p["relayProtocol"] = f.pair->relay_protocol;
    put(p, "rttMs", f.pair->rtt_ms);
    put(p, "availableOutgoingBitrate", f.pair->available_outgoing_bps);
    put(j, "rttMs", f.pair->rtt_ms);
    j["candidatePair"] = std::move(p);
  }
  json in = json::array(), out = json::array();
  for (const auto& s : f.inbound) in.push_back(stream_json(s, true));
  for (const auto& s : f.outbound) out.push_back(stream_json(s, false));
  j["inbound"] = std::move(in);
  j["outbound"] = std::move(out);
  return j;
}

// ---- collection ------------------------------------------------------------------------------

const nlohmann::json& report_fields() {
  // Every member Analyzer::update reads, by type (`id` and `type` are always kept). A member
  // missing here is missing in the browser's report: stats_analyzer_test checks that the
  // figures of real reports are the same with only these members.
  static const json fields = {
      {std::string(kInbound),
       {"timestamp", "kind", "mediaType", "mid", "bytesReceived", "packetsReceived", "packetsLost", "framesPerSecond",
        "frameWidth", "frameHeight", "framesDecoded", "framesDropped", "trackIdentifier", "audioLevel", "freezeCount",
        "totalFreezesDuration", "jitter"}},
      {std::string(kOutbound),
       {"timestamp", "kind", "mediaType", "mid", "bytesSent", "packetsSent", "framesPerSecond", "frameWidth",
        "frameHeight", "framesEncoded", "mediaSourceId"}},
      {std::string(kRemoteInbound), {"localId", "roundTripTime", "jitter", "fractionLost"}},
      {std::string(kPair),
       {"selected", "nominated", "state", "localCandidateId", "remoteCandidateId", "currentRoundTripTime",
        "availableOutgoingBitrate"}},
      {"local-candidate", {"candidateType", "protocol", "relayProtocol"}},
      {"remote-candidate", {"candidateType"}},
      {std::string(kMediaSource), {"kind", "trackIdentifier", "audioLevel"}},
      {std::string(kTransport), {"selectedCandidatePairId"}},
  };
  return fields;
}

const std::vector<std::string>& report_types() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> t;
    for (const auto& [type, members] : report_fields().items()) t.push_back(type);
    return t;
  }();
  return types;
}

base::Ms Monitor::interval_for(base::Ms collect) {
  const double ms = collect.value;
  return base::Ms(ms > 48 ? 4000 : ms > 32 ? 3000 : ms > 16 ? 2000 : 1000);
}

void Monitor::start() {
  if (running_) return;
  running_ = true;
  quality_ = candidate_ = Quality::Unknown;
  interval_ = base::Ms(1000);
  analyzer_.reset();
  requested_at_.reset();
  // One interval after the connection is up (as sip-connector's first collection): getStats()
  // right at connect competes with the data channel and the first frames for the browser's
  // network thread (a libwebrtc getStats takes ~100 ms in Node's wrtc).
  next_at_ = ctx_.now() + interval_;
}

void Monitor::stop() {
  running_ = false;
  requested_at_.reset();
  quality_ = candidate_ = Quality::Unknown;
  analyzer_.reset();
}

void Monitor::on_timeout(base::Ms now) {
  if (!running_ || requested_at_ || now < next_at_) return;
  requested_at_ = now;
  ctx_.push(io::fx::CollectStats{pc_, report_types(), report_fields()});
}

std::optional<base::Ms> Monitor::next_timeout() const {
  if (!running_ || requested_at_) return std::nullopt;
  return next_at_;
}

void Monitor::on_report(const io::in::StatsReport& report, std::string_view connection_id) {
  if (!running_ || !requested_at_) return;
  const base::Ms now = ctx_.now();
  const base::Ms took = now - *requested_at_;
  interval_ = interval_for(took);
  next_at_ = std::max(*requested_at_ + interval_, now);
  requested_at_.reset();
  namespace le = events::log_event;
  if (!report.error.empty()) {
    ctx_.log(log::Level::Warn, le::kStatsFailed, {{"error", base::utf8_prefix(report.error, 256)}});
    return;
  }
  auto result = analyzer_.update(report.report);
  if (auto* reason = std::get_if<std::string>(&result)) {
    ctx_.log(log::Level::Error, le::kStatsInvalid, {{"reason", *reason}});
    return;
  }
  const Figures& f = std::get<Figures>(result);
  // Down at once; up after two reports in a row at a better level (to the worse of the two).
  Quality next = quality_;
  if (f.quality == Quality::Unknown || f.quality == quality_) {
    candidate_ = Quality::Unknown;
  } else if (quality_ == Quality::Unknown || f.quality > quality_) {
    next = f.quality;
    candidate_ = Quality::Unknown;
  } else if (candidate_ != Quality::Unknown) {
    next = worse(candidate_, f.quality);
    candidate_ = Quality::Unknown;
  } else {
    candidate_ = f.quality;
  }
  const Quality previous = quality_;
  quality_ = next;
  json payload = to_json(f);
  payload["quality"] = to_string(quality_);
  payload["connectionId"] = connection_id;
  payload["collectMs"] = took.value;
  payload["nextIntervalMs"] = interval_.value;
  ctx_.emit(events::kStats, std::move(payload));
  if (next != previous) {
    json change = {{"connectionId", connection_id}, {"quality", to_string(next)}, {"previous", to_string(previous)}};
    put(change, "mos", f.mos);
    ctx_.log(log::Level::Info, events::kQualityChanged, change);
    ctx_.emit(events::kQualityChanged, std::move(change));
  }
}

}  // namespace callcore::stats
