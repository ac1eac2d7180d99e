// stats::Monitor (the adaptive collection interval, quality changes, failures) and its wiring in
// the consultation session: collectStats effects while connected, `stats` / `qualityChanged`
// events, the peer's quality in the snapshot, nothing after the call ends.
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "callcore/io/codec.hpp"
#include "callcore/stats/stats.hpp"
#include "driver.hpp"
#include "stats_fixtures.hpp"

using namespace callcore;
using namespace callcore::io;
using callcore::test::Driver;
using callcore::test::stats_entry;
using callcore::test::stats_report;
using nlohmann::json;
using Strings = std::vector<std::string>;

namespace {

// `report` `ms` later, counters moved on as a healthy stream's would be (or with `audio_lost`
// of 100 audio packets lost, or nothing received at all with `silent`).
json next_report(json report, double ms, double audio_lost = 0, bool silent = false) {
  for (auto& e : report) {
    e["timestamp"] = e["timestamp"].get<double>() + ms;
    if (e["type"] != "inbound-rtp" || silent) continue;
    const bool audio = e["kind"] == "audio";
    e["packetsReceived"] = e["packetsReceived"].get<double>() + (audio ? 100 - audio_lost : 100);
    e["bytesReceived"] = e["bytesReceived"].get<double>() + 10000;
    if (audio) e["packetsLost"] = e.value("packetsLost", 0.0) + audio_lost;
    if (!audio) e["framesDecoded"] = e["framesDecoded"].get<double>() + 30;
  }
  return report;
}

struct Harness {
  log::Logger logger{200};
  Context ctx{logger, base::Ms(0), 1};
  stats::Monitor monitor{ctx, PcId{3}};
  std::vector<json> out;

  std::vector<json>& take() {
    out.clear();
    while (auto e = ctx.poll()) out.push_back(encode(*e));
    return out;
  }
  Strings kinds() {
    Strings k;
    for (const auto& o : out) k.push_back(o["kind"] == "emit" ? "emit:" + o["eventType"].get<std::string>() : o["kind"].get<std::string>());
    return k;
  }
  std::vector<json>& timeout(double at) {
    ctx.set_now(base::Ms(at));
    monitor.on_timeout(base::Ms(at));
    return take();
  }
  std::vector<json>& report(double at, json r, std::string error = {}) {
    ctx.set_now(base::Ms(at));
    monitor.on_report(in::StatsReport{std::move(r), std::move(error)}, "conn-far");
    return take();
  }
  bool logged(std::string_view event) const {
    for (const auto& e : logger.entries()) {
      if (e.event == event) return true;
    }
    return false;
  }
};

}  // namespace

TEST_CASE("the collection interval: 1 s, 2 / 3 / 4 s when getStats took over 16 / 32 / 48 ms (sip-connector)", "[stats]") {
  using stats::Monitor;
  CHECK(Monitor::interval_for(base::Ms(0)) == base::Ms(1000));
  CHECK(Monitor::interval_for(base::Ms(16)) == base::Ms(1000));
  CHECK(Monitor::interval_for(base::Ms(16.5)) == base::Ms(2000));
  CHECK(Monitor::interval_for(base::Ms(32)) == base::Ms(2000));
  CHECK(Monitor::interval_for(base::Ms(33)) == base::Ms(3000));
  CHECK(Monitor::interval_for(base::Ms(48)) == base::Ms(3000));
  CHECK(Monitor::interval_for(base::Ms(49)) == base::Ms(4000));
  CHECK(Monitor::interval_for(base::Ms(5000)) == base::Ms(4000));
}

TEST_CASE("Monitor: collects when due, backs off when collection is slow, recovers, stops", "[stats]") {
  Harness h;
  CHECK_FALSE(h.monitor.next_timeout());
  h.ctx.set_now(base::Ms(-900));
  h.monitor.start();
  CHECK(h.take().empty());
  CHECK(h.monitor.next_timeout() == base::Ms(100));  // one interval after the start
  CHECK(h.timeout(99).empty());

  h.timeout(100);
  REQUIRE(h.kinds() == Strings{"collectStats"});
  CHECK(h.out[0] == json{{"kind", "collectStats"}, {"pc", 3}, {"types", stats::report_types()}, {"fields", stats::report_fields()}});
  CHECK_FALSE(h.monitor.next_timeout());  // none while one is outstanding
  CHECK(h.timeout(5000).empty());

  json r = stats_report("report-1");
  h.report(110, r);  // 10 ms: fast
  REQUIRE(h.kinds() == Strings{"emit:stats"});
  CHECK(h.out[0]["payload"]["collectMs"] == 10);
  CHECK(h.out[0]["payload"]["nextIntervalMs"] == 1000);
  CHECK(h.out[0]["payload"]["connectionId"] == "conn-far");
  CHECK(h.out[0]["payload"]["quality"] == "unknown");
  CHECK(h.monitor.next_timeout() == base::Ms(1100));  // one interval after it started
  CHECK(h.timeout(1099).empty());

  // Slow: 40 ms → 3 s, then 60 ms → 4 s, then fast again → 1 s.
  h.timeout(1100);
  r = next_report(r, 1000);
  h.report(1140, r);
  CHECK(h.monitor.interval() == base::Ms(3000));
  CHECK(h.monitor.next_timeout() == base::Ms(4100));
  h.timeout(4100);
  r = next_report(r, 3000);
  h.report(4160, r);
  CHECK(h.monitor.next_timeout() == base::Ms(8100));
  CHECK(h.out[0]["payload"]["nextIntervalMs"] == 4000);
  h.timeout(8100);
  r = next_report(r, 4000);
  h.report(8105, r);
  CHECK(h.monitor.next_timeout() == base::Ms(9100));
  // A collection that took longer than its interval: due again at once.
  h.timeout(9100);
  r = next_report(r, 1000);
  h.report(14000, r);
  CHECK(h.monitor.next_timeout() == base::Ms(14000));

  h.monitor.stop();
  CHECK_FALSE(h.monitor.next_timeout());
  CHECK(h.timeout(20000).empty());
  CHECK(h.report(20001, next_report(r, 1000)).empty());  // late: ignored
  CHECK(h.monitor.quality() == stats::Quality::Unknown);
}

TEST_CASE("Monitor: quality drops at once and rises after two reports in a row", "[stats]") {
  Harness h;
  h.monitor.start();
  double t = 1000;
  json r = stats_report("report-2");
  auto step = [&](json next) {
    h.timeout(t);
    r = std::move(next);
    h.report(t + 5, r);
    t += 1000;
    return h.kinds();
  };
  CHECK(step(r) == Strings{"emit:stats"});  // first: a baseline, quality unknown
  CHECK(step(next_report(r, 1000)) == Strings{"emit:stats", "emit:qualityChanged"});
  CHECK(h.out[1]["payload"] == json{{"connectionId", "conn-far"}, {"quality", "excellent"}, {"previous", "unknown"},
                                    {"mos", h.out[0]["payload"]["mos"]}});
  CHECK(h.monitor.quality() == stats::Quality::Excellent);

  CHECK(step(next_report(r, 1000, 50)) == Strings{"emit:stats", "emit:qualityChanged"});  // 50 % audio loss
  CHECK(h.out[1]["payload"]["quality"] == "poor");
  CHECK(h.out[1]["payload"]["previous"] == "excellent");
  CHECK(h.out[0]["payload"]["quality"] == "poor");

  CHECK(step(next_report(r, 1000)) == Strings{"emit:stats"});  // one good report: not yet
  CHECK(h.monitor.quality() == stats::Quality::Poor);
  CHECK(step(next_report(r, 1000)) == Strings{"emit:stats", "emit:qualityChanged"});
  CHECK(h.out[1]["payload"]["quality"] == "excellent");

  CHECK(step(next_report(r, 1000, 0, /*silent=*/true)) == Strings{"emit:stats", "emit:qualityChanged"});
  CHECK(h.out[1]["payload"]["quality"] == "lost");
  CHECK(h.logged("qualityChanged"));
}

TEST_CASE("Monitor: a failed getStats or a malformed report is logged and changes nothing but the schedule", "[stats]") {
  Harness h;
  h.monitor.start();
  h.timeout(1000);
  h.report(1003, stats_report("report-1"));
  h.timeout(2000);
  CHECK(h.report(2004, nullptr, "InvalidStateError: closed").empty());
  CHECK(h.logged("statsFailed"));
  CHECK(h.monitor.next_timeout() == base::Ms(3000));
  h.timeout(3000);
  CHECK(h.report(3004, json::object()).empty());
  CHECK(h.logged("statsInvalid"));
  CHECK(h.monitor.next_timeout() == base::Ms(4000));
  // The previous good report is still the baseline: the next one has rates.
  h.timeout(4000);
  h.report(4004, stats_report("report-2"));
  REQUIRE(h.kinds() == Strings{"emit:stats", "emit:qualityChanged"});
  CHECK(h.out[0]["payload"]["inbound"][0].contains("bitrate"));
}

TEST_CASE("the statsReport input and collectStats effect on the JSON boundary", "[stats][codec]") {
  auto in = decode_input({{"kind", "statsReport"}, {"pc", 2}, {"report", {{{"id", "a"}, {"type", "inbound-rtp"}, {"nested", {1}}}, 5}}});
  REQUIRE(in);
  const auto& pc = std::get<FromPc>(*in);
  CHECK(pc.pc == PcId{2});
  const auto& r = std::get<in::StatsReport>(pc.event);
  CHECK(r.report == json::array({{{"id", "a"}, {"type", "inbound-rtp"}}, 5}));  // nested members dropped
  CHECK(r.error.empty());
  auto failed = decode_input({{"kind", "statsReport"}, {"pc", 1}, {"report", nullptr}, {"error", "closed"}});
  REQUIRE(failed);
  CHECK(std::get<in::StatsReport>(std::get<FromPc>(*failed).event).report.is_null());
  CHECK(std::get<in::StatsReport>(std::get<FromPc>(*failed).event).error == "closed");
  CHECK(encode(fx::CollectStats{PcId{1}, {"inbound-rtp"}, nullptr}) == json{{"kind", "collectStats"}, {"pc", 1}, {"types", {"inbound-rtp"}}});
  CHECK(encode(fx::CollectStats{PcId{1}, {"inbound-rtp"}, json{{"inbound-rtp", {"bytesReceived"}}}}) ==
        json{{"kind", "collectStats"}, {"pc", 1}, {"types", {"inbound-rtp"}}, {"fields", {{"inbound-rtp", {"bytesReceived"}}}}});
}

namespace {

// A doctor whose call is connected (doctor_test.cpp's flow).
Driver connected_doctor() {
  Driver d(session::consultation::Role::Doctor, callcore::test::doctor_params());
  d.feed(in::Call{1});
  d.feed(callcore::test::media());
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.message("accept", json::object(), "conn-cli");
  d.feed(in::PeerStateChange{"signalingstatechange", "have-local-offer"});
  d.feed(in::LocalDescription{"offer", "v=0 o1"});
  d.message("answer", {{"description", {{"type", "answer"}, {"sdp", "v=0 a1"}}}}, "conn-cli");
  d.feed(in::PeerStateChange{"signalingstatechange", "stable"});
  d.feed(in::RemoteDescriptionSet{"answer"});
  CHECK_FALSE(d.session.stats().running());  // not before the connection is up
  d.feed(in::PeerStateChange{"connectionstatechange", "connected"}, 5000);
  REQUIRE(d.state() == "connected");
  return d;
}

}  // namespace

TEST_CASE("consultation: stats while connected, quality in the snapshot, nothing after hang up", "[stats][doctor]") {
  Driver d = connected_doctor();
  CHECK(d.deadline() == 5000 + 1000);  // the first collection is due a second after connect
  CHECK(d.session.snapshot()["peers"][0]["quality"] == "unknown");
  d.advance(5999);
  CHECK(d.last.empty());
  d.advance(6000);
  REQUIRE(d.kinds() == Strings{"collectStats"});
  CHECK(d.find("collectStats")["pc"] == 1);

  json r = stats_report("report-1");
  d.feed(in::StatsReport{r, ""}, 6008);
  REQUIRE(d.kinds() == Strings{"emit:stats"});
  CHECK(d.find("emit", "stats")["payload"]["connectionId"] == "conn-cli");
  CHECK(d.deadline() == 7000);

  d.advance(7000);
  r = next_report(r, 1000);
  d.feed(in::StatsReport{r, ""}, 7005);
  CHECK(d.kinds() == Strings{"emit:stats", "emit:qualityChanged"});
  CHECK(d.session.snapshot()["peers"][0]["quality"] == "excellent");
  const json payload = d.find("emit", "stats")["payload"];
  CHECK(payload["inbound"].size() == 2);
  CHECK(payload["outbound"].size() == 2);
  CHECK(payload["candidatePair"]["localType"] == "host");

  // A malformed report from the shell: logged, no event, state as it was.
  d.advance(8000);
  d.feed(in::StatsReport{json::array({1, 2}), ""}, 8003);
  CHECK(d.last.empty());
  CHECK(d.session.snapshot()["peers"][0]["quality"] == "excellent");

  d.advance(9000);
  REQUIRE(d.kinds() == Strings{"collectStats"});
  d.feed(in::HangUp{}, 9001);
  CHECK(d.state() == "ended");
  CHECK(d.deadline() == -1);  // no stats timer left
  d.feed(in::StatsReport{next_report(r, 2000), ""}, 9010);  // the outstanding getStats answers late
  CHECK(d.last.empty());
  d.advance(20000);
  CHECK(d.last.empty());
  CHECK(d.session.snapshot()["peers"][0]["quality"] == "unknown");
}

TEST_CASE("consultation: the client collects too", "[stats][client]") {
  Driver c(session::consultation::Role::Client, callcore::test::client_params());
  c.message("enter", {{"name", "Dr House"}}, "conn-doc");
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0 o1"}}}}, "conn-doc");
  c.feed(in::RemoteDescriptionSet{"offer"});
  c.feed(in::LocalDescription{"answer", "v=0 a1"});
  c.feed(in::PeerStateChange{"connectionstatechange", "connected"}, 3000);
  REQUIRE(c.state() == "connected");
  c.advance(4000);
  CHECK(c.kinds() == Strings{"collectStats"});
  c.feed(in::StatsReport{stats_report("report-1"), ""}, 4002);
  CHECK(c.find("emit", "stats")["payload"]["connectionId"] == "conn-doc");
}
