// stats::Analyzer and the E-model: figures from real Chromium getStats() reports (deltas,
// counter resets, missing fields, malformed input), quality thresholds, the MOS formula against
// hand-computed values, and freeze detection.
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "callcore/stats/stats.hpp"
#include "stats_fixtures.hpp"

using namespace callcore::stats;
using callcore::test::stats_entry;
using callcore::test::stats_report;
using nlohmann::json;

namespace {

Figures figures(Analyzer& a, const json& report) {
  auto result = a.update(report);
  if (auto* err = std::get_if<std::string>(&result)) FAIL("refused: " << *err);
  return std::get<Figures>(result);
}

const StreamFigures& stream(const std::vector<StreamFigures>& list, const std::string& kind) {
  for (const auto& s : list) {
    if (s.kind == kind) return s;
  }
  FAIL("no " << kind << " stream");
  return list.front();
}

// `report` a second (`ms`) later: every timestamp moved on; counters as they are.
json later(json report, double ms = 1000) {
  for (auto& e : report) e["timestamp"] = e["timestamp"].get<double>() + ms;
  return report;
}

double delta(const json& a, const json& b, const char* key) { return b[key].get<double>() - a[key].get<double>(); }

}  // namespace

TEST_CASE("E-model: R factor and MOS against hand-computed values (ITU-T G.107, simplified)", "[stats]") {
  // d = rtt/2 + 2 jitter + 20
  CHECK(one_way_delay_ms(100, 10) == Approx(90));
  CHECK(one_way_delay_ms(0, 0) == Approx(20));
  // No loss, 20 ms: Id = 0.024 * 20 = 0.48, R = 93.2 - 0.48 = 92.72;
  // MOS = 1 + 0.035 * 92.72 + 92.72 * 32.72 * 7.28 * 7e-6 = 4.39980
  CHECK(r_factor(20, 0) == Approx(92.72));
  CHECK(mos_from_r(92.72) == Approx(4.39980).epsilon(1e-5));
  // 90 ms: Id = 2.16, R = 91.04; MOS = 1 + 3.1864 + 91.04 * 31.04 * 8.96 * 7e-6 = 4.36364
  CHECK(r_factor(90, 0) == Approx(91.04));
  CHECK(mos_from_r(91.04) == Approx(4.36364).epsilon(1e-5));
  // Past the knee: 200 ms: Id = 4.8 + 0.11 * 22.7 = 7.297, R = 85.903
  CHECK(r_factor(200, 0) == Approx(85.903));
  // Loss equal to Bpl (25.1 %) halves the way to 95: Ie,eff = 47.5, R = 93.2 - 2.16 - 47.5 = 43.54
  CHECK(r_factor(90, 25.1) == Approx(43.54));
  CHECK(mos_from_r(43.54) == Approx(2.24066).epsilon(1e-5));
  // 5 % loss: Ie,eff = 95 * 5 / 30.1 = 15.78073, R = 91.04 - 15.78073 = 75.25927
  CHECK(r_factor(90, 5) == Approx(75.25927));
  // Bounds: MOS 1 below R 0 and 4.5 above R 100; R never leaves [0, 100].
  CHECK(mos_from_r(-3) == 1);
  CHECK(mos_from_r(101) == 4.5);
  CHECK(r_factor(5000, 100) == 0);
  CHECK(r_factor(-10, -5) == Approx(93.2));  // negative inputs clamp to 0
}

TEST_CASE("quality levels from R: excellent from 80, good from 60, poor below", "[stats]") {
  CHECK(quality_from_r(93.2) == Quality::Excellent);
  CHECK(quality_from_r(80) == Quality::Excellent);
  CHECK(quality_from_r(79.999) == Quality::Good);
  CHECK(quality_from_r(60) == Quality::Good);
  CHECK(quality_from_r(59.999) == Quality::Poor);
  CHECK(quality_from_r(0) == Quality::Poor);
  CHECK(to_string(Quality::Unknown) == "unknown");
  CHECK(to_string(Quality::Lost) == "lost");
}

TEST_CASE("a real Chromium report pair: figures per direction and track", "[stats]") {
  json r1 = stats_report("report-1"), r2 = stats_report("report-2");
  Analyzer a;
  const Figures first = figures(a, r1);
  CHECK(first.interval_ms == 0);
  CHECK(first.quality == Quality::Unknown);
  REQUIRE(first.inbound.size() == 2);
  REQUIRE(first.outbound.size() == 2);
  for (const auto& s : first.inbound) CHECK_FALSE(s.bitrate_bps);  // rates need two reports
  CHECK(stream(first.inbound, "video").frames == stats_entry(r1, "inbound-rtp", "video")["framesDecoded"].get<double>());

  const Figures f = figures(a, r2);
  const json& v1 = stats_entry(r1, "inbound-rtp", "video");
  const json& v2 = stats_entry(r2, "inbound-rtp", "video");
  const double dt = delta(v1, v2, "timestamp");
  CHECK(dt > 500);
  CHECK(f.interval_ms >= dt - 1);

  const StreamFigures& video = stream(f.inbound, "video");
  REQUIRE(video.bitrate_bps);
  CHECK(*video.bitrate_bps == Approx(delta(v1, v2, "bytesReceived") * 8 * 1000 / dt));
  CHECK(*video.bitrate_bps > 0);
  CHECK(video.track == v2["trackIdentifier"]);
  CHECK(video.mid == v2["mid"]);
  CHECK(video.fps == v2["framesPerSecond"].get<double>());
  CHECK(video.width == v2["frameWidth"].get<double>());
  CHECK(video.height == v2["frameHeight"].get<double>());
  CHECK(video.frames == v2["framesDecoded"].get<double>());
  CHECK(video.frames_dropped == v2.value("framesDropped", 0.0));
  CHECK(video.jitter_ms == Approx(v2["jitter"].get<double>() * 1000));
  CHECK(video.freeze_count == v2["freezeCount"].get<double>());
  CHECK(video.freezes_ms == Approx(v2["totalFreezesDuration"].get<double>() * 1000));
  const double lost = delta(v1, v2, "packetsLost"), received = delta(v1, v2, "packetsReceived");
  CHECK(video.packets_lost_pct == Approx(lost * 100 / (lost + received)));
  CHECK_FALSE(video.mos);  // MOS is for audio

  const StreamFigures& audio = stream(f.inbound, "audio");
  const json& a2 = stats_entry(r2, "inbound-rtp", "audio");
  REQUIRE(audio.bitrate_bps);
  CHECK(*audio.bitrate_bps > 0);
  CHECK(audio.audio_level == a2["audioLevel"].get<double>());
  REQUIRE(audio.mos);
  CHECK(*audio.mos > 4.0);  // loopback: no loss, a few ms
  CHECK(*audio.mos <= 4.5);

  // The selected pair of a loopback call: host to host over UDP, its RTT on inbound streams.
  REQUIRE(f.pair);
  CHECK(f.pair->local_type == "host");
  CHECK(f.pair->remote_type == "host");
  CHECK(f.pair->protocol == "udp");
  CHECK(f.pair->relay_protocol.empty());
  REQUIRE(f.pair->rtt_ms);
  CHECK(video.rtt_ms == f.pair->rtt_ms);

  // Outbound: the track from media-source, the far side's reports from remote-inbound-rtp.
  const StreamFigures& out_video = stream(f.outbound, "video");
  const json& ov2 = stats_entry(r2, "outbound-rtp", "video");
  CHECK(*out_video.bitrate_bps ==
        Approx(delta(stats_entry(r1, "outbound-rtp", "video"), ov2, "bytesSent") * 8 * 1000 /
               delta(stats_entry(r1, "outbound-rtp", "video"), ov2, "timestamp")));
  std::string source_track;
  for (const auto& e : r2) {
    if (e["type"] == "media-source" && e["id"] == ov2["mediaSourceId"]) source_track = e["trackIdentifier"];
  }
  CHECK(out_video.track == source_track);
  CHECK(out_video.frames == ov2["framesEncoded"].get<double>());
  CHECK(out_video.rtt_ms.has_value());
  CHECK(stream(f.outbound, "audio").audio_level.has_value());

  CHECK(f.quality == Quality::Excellent);
  REQUIRE(f.mos);
  CHECK(*f.mos > 4.0);

  const json j = to_json(f);
  CHECK(j["quality"] == "excellent");
  CHECK(j["candidatePair"]["localType"] == "host");
  CHECK(j["inbound"].size() == 2);
  for (const auto& s : j["inbound"]) {
    CHECK(s.contains("bitrate"));
    CHECK(s["kind"].is_string());
  }
}

TEST_CASE("counters that go back start a new baseline: no negative rates", "[stats]") {
  json r1 = stats_report("report-1"), r2 = stats_report("report-2");
  Analyzer a;
  figures(a, r1);
  figures(a, r2);
  // The far side's video restarted: its counters are those of a second ago, a second later.
  json r3 = later(r2);
  stats_entry(r3, "inbound-rtp", "video") = later(json::array({stats_entry(r1, "inbound-rtp", "video")}), 2000)[0];
  const double t3 = stats_entry(r3, "inbound-rtp", "video")["timestamp"];
  REQUIRE(t3 > stats_entry(r2, "inbound-rtp", "video")["timestamp"].get<double>());
  Figures f = figures(a, r3);
  CHECK_FALSE(stream(f.inbound, "video").bitrate_bps);
  CHECK_FALSE(stream(f.inbound, "video").packets_lost_pct);
  CHECK(stream(f.inbound, "audio").bitrate_bps);  // the other streams go on

  // ... and the next report has rates from the new baseline: 125000 bytes in 1 s = 1 Mbps.
  json r4 = later(r3);
  json& v4 = stats_entry(r4, "inbound-rtp", "video");
  v4["bytesReceived"] = v4["bytesReceived"].get<double>() + 125000;
  v4["packetsReceived"] = v4["packetsReceived"].get<double>() + 100;
  f = figures(a, r4);
  REQUIRE(stream(f.inbound, "video").bitrate_bps);
  CHECK(*stream(f.inbound, "video").bitrate_bps == Approx(1e6));
}

TEST_CASE("missing or mistyped fields read as absent; fps falls back to framesDecoded", "[stats]") {
  json r1 = stats_report("report-1"), r2 = stats_report("report-2");
  for (json* r : {&r1, &r2}) {
    json& v = stats_entry(*r, "inbound-rtp", "video");
    v.erase("framesPerSecond");
    v.erase("jitter");
    v["frameWidth"] = "640";  // a string: absent
    json kept = json::array();
    for (auto& e : *r) {
      if (e["type"] != "candidate-pair" && e["type"] != "transport") kept.push_back(e);
    }
    *r = kept;
  }
  Analyzer a;
  figures(a, r1);
  const Figures f = figures(a, r2);
  const StreamFigures& video = stream(f.inbound, "video");
  const json& v1 = stats_entry(r1, "inbound-rtp", "video");
  const json& v2 = stats_entry(r2, "inbound-rtp", "video");
  REQUIRE(video.fps);
  CHECK(*video.fps == Approx(delta(v1, v2, "framesDecoded") * 1000 / delta(v1, v2, "timestamp")));
  CHECK_FALSE(video.jitter_ms);
  CHECK_FALSE(video.width);
  CHECK(video.height.has_value());
  CHECK_FALSE(f.pair);
  CHECK_FALSE(video.rtt_ms);  // no pair, no inbound RTT
  // The model runs without them (delay from what is known).
  CHECK(video.r.has_value());
  CHECK(f.quality == Quality::Excellent);
}

TEST_CASE("malformed reports are refused and change nothing", "[stats]") {
  const json r1 = stats_report("report-1"), r2 = stats_report("report-2");
  json no_timestamp = r2;
  stats_entry(no_timestamp, "inbound-rtp", "video")["timestamp"] = "soon";
  json no_id = r2;
  no_id[0].erase("id");
  json numeric_type = r2;
  numeric_type[0]["type"] = 7;
  json too_many = json::array();
  for (int i = 0; i < 1001; ++i) too_many.push_back({{"id", "x" + std::to_string(i)}, {"type", "codec"}});
  json scalar_entry = r2;
  scalar_entry.push_back(3);

  Analyzer a, b;
  figures(a, r1);
  figures(b, r1);
  for (const json& bad : {json(nullptr), json::object(), json("[]"), no_timestamp, no_id, numeric_type, too_many, scalar_entry}) {
    auto result = a.update(bad);
    INFO(bad.dump().substr(0, 80));
    REQUIRE(std::holds_alternative<std::string>(result));
    CHECK_FALSE(std::get<std::string>(result).empty());
  }
  // `a` saw the malformed ones, `b` did not: the same figures.
  CHECK(to_json(figures(a, r2)) == to_json(figures(b, r2)));
}

TEST_CASE("quality: loss lowers it, nothing received is lost", "[stats]") {
  const json r2 = stats_report("report-2");
  auto with_audio_loss = [&](double received, double lost) {
    json r3 = later(r2);
    for (auto& e : r3) {
      if (e["type"] != "inbound-rtp") continue;
      e["packetsReceived"] = e["packetsReceived"].get<double>() + (e["kind"] == "audio" ? received : 100);
      if (e["kind"] == "audio") e["packetsLost"] = e.value("packetsLost", 0.0) + lost;
      if (e["kind"] == "video") e["framesDecoded"] = e["framesDecoded"].get<double>() + 30;
    }
    return r3;
  };
  {
    Analyzer a;
    figures(a, r2);
    const Figures f = figures(a, with_audio_loss(95, 5));  // 5 %
    CHECK(stream(f.inbound, "audio").packets_lost_pct == Approx(5));
    CHECK(f.quality == Quality::Good);
    CHECK(*f.mos < 4.0);
  }
  {
    Analyzer a;
    figures(a, r2);
    const Figures f = figures(a, with_audio_loss(50, 50));  // 50 %
    CHECK(f.quality == Quality::Poor);
  }
  {
    Analyzer a;
    figures(a, r2);
    json r3 = later(r2);  // a second with no packet in: lost
    const Figures f = figures(a, r3);
    CHECK(f.quality == Quality::Lost);
    CHECK(stream(f.inbound, "audio").packets == 0);
  }
}

TEST_CASE("video freezes: detected from framesDecoded stalls without freezeCount; W3C freezeCount when present", "[stats]") {
  json r2 = stats_report("report-2");
  SECTION("no freezeCount: a stall while packets arrive is a freeze, and its time adds up") {
    for (auto& e : r2) {
      e.erase("freezeCount");
      e.erase("totalFreezesDuration");
    }
    Analyzer a;
    figures(a, r2);
    json r = r2;
    for (int i = 1; i <= 2; ++i) {
      r = later(r);
      for (auto& e : r) {
        if (e["type"] == "inbound-rtp") e["packetsReceived"] = e["packetsReceived"].get<double>() + 50;
      }
      const Figures f = figures(a, r);
      const StreamFigures& v = stream(f.inbound, "video");
      CHECK(v.stalled);
      CHECK(v.freeze_count == 1);  // one freeze, going on
      CHECK(v.freezes_ms == Approx(1000.0 * i));
      CHECK(f.quality == Quality::Poor);
    }
    r = later(r);
    for (auto& e : r) {
      if (e["type"] != "inbound-rtp") continue;
      e["packetsReceived"] = e["packetsReceived"].get<double>() + 50;
      if (e["kind"] == "video") e["framesDecoded"] = e["framesDecoded"].get<double>() + 30;
    }
    const Figures f = figures(a, r);
    CHECK_FALSE(stream(f.inbound, "video").stalled);
    CHECK(stream(f.inbound, "video").freeze_count == 1);
    CHECK(stream(f.inbound, "video").freezes_ms == Approx(2000));
    CHECK(f.quality == Quality::Excellent);
  }
  SECTION("freezeCount grew while frames flow: at most good") {
    Analyzer a;
    figures(a, r2);
    json r = later(r2);
    for (auto& e : r) {
      if (e["type"] != "inbound-rtp") continue;
      e["packetsReceived"] = e["packetsReceived"].get<double>() + 50;
      if (e["kind"] == "video") {
        e["framesDecoded"] = e["framesDecoded"].get<double>() + 20;
        e["freezeCount"] = e["freezeCount"].get<double>() + 1;
        e["totalFreezesDuration"] = e["totalFreezesDuration"].get<double>() + 0.4;
      }
    }
    const Figures f = figures(a, r);
    const StreamFigures& v = stream(f.inbound, "video");
    CHECK(v.freezing);
    CHECK_FALSE(v.stalled);
    CHECK(v.freeze_count == stats_entry(r, "inbound-rtp", "video")["freezeCount"].get<double>());
    CHECK(f.quality == Quality::Good);
  }
  SECTION("a sender that stops sending is not a freeze") {
    Analyzer a;
    figures(a, r2);
    json r = later(r2);
    for (auto& e : r) {
      if (e["type"] == "inbound-rtp" && e["kind"] == "audio") e["packetsReceived"] = e["packetsReceived"].get<double>() + 50;
    }
    const Figures f = figures(a, r);
    CHECK_FALSE(stream(f.inbound, "video").stalled);
    CHECK(f.quality == Quality::Excellent);
  }
}

TEST_CASE("report_fields names every member the analyzer reads: real reports give the same figures with only those",
          "[stats]") {
  const json& fields = report_fields();
  REQUIRE(fields.is_object());
  // What the shell does with collectStats `fields` (js/shell/peers.js): keep `id`, `type` and
  // the named members of each entry of an asked type.
  auto keep = [&](const json& report) {
    json out = json::array();
    for (const auto& e : report) {
      const std::string type = e.value("type", "");
      if (!fields.contains(type)) continue;
      json kept = {{"id", e["id"]}, {"type", type}};
      for (const auto& name : fields[type]) {
        const std::string n = name.get<std::string>();
        if (e.contains(n)) kept[n] = e[n];
      }
      out.push_back(std::move(kept));
    }
    return out;
  };
  Analyzer full, filtered;
  std::size_t full_bytes = 0, kept_bytes = 0;
  for (const char* name : {"report-1", "report-2", "report-3"}) {
    const json report = stats_report(name);
    const json reduced = keep(report);
    full_bytes += report.dump().size();
    kept_bytes += reduced.dump().size();
    const json a = to_json(figures(full, report));
    const json b = to_json(figures(filtered, reduced));
    CHECK(a == b);
    CHECK(a["inbound"].size() == 2);  // the comparison covers both kinds, both directions
    CHECK(a["outbound"].size() == 2);
    CHECK(a.contains("candidatePair"));
  }
  // The point of it: what is recorded per report (log/recorder.hpp) is a fraction of the whole.
  CHECK(kept_bytes * 3 < full_bytes);  // 11.9 KB of 40.1 KB for these three
  // Every type asked for has its members listed, and the type list follows the field map.
  CHECK(report_types().size() == fields.size());
  for (const auto& t : report_types()) CHECK(fields.contains(t));

  // Firefox's reports too (no mediaSourceId on outbound-rtp: the media-source's kind is read).
  Analyzer full_ff, filtered_ff;
  for (const char* name : {"firefox-report-1", "firefox-report-2"}) {
    const json report = stats_report(name);
    CHECK(to_json(figures(full_ff, report)) == to_json(figures(filtered_ff, keep(report))));
  }
}

TEST_CASE("a real Firefox ESR report pair: the same figures; outbound-rtp without mediaSourceId takes the lone media-source of its kind", "[stats]") {
  // Firefox ESR 153 (data/stats/README.md): outbound-rtp names no mediaSourceId, the audio
  // media-source has no audioLevel, the selected pair is also marked `selected: true`.
  json r1 = stats_report("firefox-report-1"), r2 = stats_report("firefox-report-2");
  for (const char* kind : {"audio", "video"}) CHECK_FALSE(stats_entry(r2, "outbound-rtp", kind).contains("mediaSourceId"));
  Analyzer a;
  figures(a, r1);
  const Figures f = figures(a, r2);
  REQUIRE(f.inbound.size() == 2);
  REQUIRE(f.outbound.size() == 2);

  const StreamFigures& video = stream(f.inbound, "video");
  const json& v1 = stats_entry(r1, "inbound-rtp", "video");
  const json& v2 = stats_entry(r2, "inbound-rtp", "video");
  REQUIRE(video.bitrate_bps);
  CHECK(*video.bitrate_bps == Approx(delta(v1, v2, "bytesReceived") * 8 * 1000 / delta(v1, v2, "timestamp")));
  CHECK(*video.bitrate_bps > 0);
  CHECK(video.track == v2["trackIdentifier"]);
  CHECK(video.fps == v2["framesPerSecond"].get<double>());
  CHECK(video.frames == v2["framesDecoded"].get<double>());
  CHECK(video.width == v2["frameWidth"].get<double>());
  CHECK(video.freeze_count == v2["freezeCount"].get<double>());
  const StreamFigures& audio = stream(f.inbound, "audio");
  REQUIRE(audio.mos);
  CHECK(*audio.mos > 4.0);
  CHECK(audio.audio_level == stats_entry(r2, "inbound-rtp", "audio")["audioLevel"].get<double>());

  REQUIRE(f.pair);
  CHECK(f.pair->local_type == "host");
  CHECK(f.pair->protocol == "udp");
  REQUIRE(f.pair->rtt_ms);

  // Outbound: the track of the one media-source of each kind; the far side's RTT.
  for (const char* kind : {"audio", "video"}) {
    const StreamFigures& out = stream(f.outbound, kind);
    CHECK(out.track == stats_entry(r2, "media-source", kind)["trackIdentifier"]);
    CHECK_FALSE(out.track.empty());
    CHECK(out.rtt_ms.has_value());
    CHECK(out.bitrate_bps.has_value());
  }
  CHECK_FALSE(stream(f.outbound, "audio").audio_level);  // Firefox's audio media-source has no audioLevel
  CHECK(f.quality == Quality::Excellent);

  SECTION("without transport entries the pair marked `selected` is the one") {
    json kept = json::array();
    for (const auto& e : r2) {
      if (e["type"] != "transport") kept.push_back(e);
    }
    Analyzer b;
    const Figures g = figures(b, kept);
    REQUIRE(g.pair);
    CHECK(g.pair->local_type == f.pair->local_type);
    CHECK(g.pair->rtt_ms == f.pair->rtt_ms);
  }

  SECTION("two video media-sources and no mediaSourceId: which is which is unknown, the video track stays empty") {
    json second = stats_entry(r2, "media-source", "video");
    second["id"] = "a-second-video-source";
    second["trackIdentifier"] = "{a-second-camera}";
    r2.push_back(second);
    Analyzer b;
    const Figures g = figures(b, r2);
    CHECK(stream(g.outbound, "video").track.empty());
    CHECK(stream(g.outbound, "audio").track == stats_entry(r2, "media-source", "audio")["trackIdentifier"]);
  }

  SECTION("a media-source another outbound-rtp names is not taken") {
    // Chromium's shape for the audio sender (mediaSourceId) next to Firefox's video sender: the
    // named source is left to its sender, the unnamed video source still pairs with the video one.
    json& audio_out = stats_entry(r2, "outbound-rtp", "audio");
    audio_out["mediaSourceId"] = stats_entry(r2, "media-source", "audio")["id"];
    json extra = stats_entry(r2, "media-source", "audio");
    extra["id"] = "an-unnamed-audio-source";
    extra["trackIdentifier"] = "{another-microphone}";
    r2.push_back(extra);
    Analyzer b;
    const Figures g = figures(b, r2);
    CHECK(stream(g.outbound, "audio").track == stats_entry(r2, "media-source", "audio")["trackIdentifier"]);
    CHECK(stream(g.outbound, "video").track == stats_entry(r2, "media-source", "video")["trackIdentifier"]);
  }
}
