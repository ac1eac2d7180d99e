// signaling::Transport on its own: the ordered queue, reconnect with backoff (time passed in),
// pause/resume of a portal socket, the dedupe window, and what it logs.
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "callcore/io/codec.hpp"
#include "callcore/signaling/transport.hpp"

using namespace callcore;
using callcore::base::Ms;
using nlohmann::json;

namespace {

struct Fixture {
  log::Logger logger{100};
  io::Context ctx{logger, Ms(0), 3};
  signaling::Transport transport;

  explicit Fixture(std::string url, std::size_t window = 1024)
      : transport(signaling::TransportConfig{io::TransportId{4}, std::move(url), {Ms(100), Ms(400), 0}, window}, ctx,
                  [](const json& m) { return m.value("type", std::string()) == "hello" ? std::string_view("enter") : std::string_view("offer"); },
                  [this](json& m) { m["stamped"] = ctx.connection_id; }) {}

  std::vector<json> effects() {
    std::vector<json> out;
    while (auto e = ctx.poll()) out.push_back(io::encode(*e));
    return out;
  }
  std::vector<json> sent() {
    std::vector<json> out;
    for (auto& e : effects()) {
      if (e["kind"] == "send") out.push_back(e["message"]);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("transport: the built-in socket queues until ready, then sends in order, stamped", "[transport]") {
  Fixture f("ws://127.0.0.1:1/ws");
  f.transport.start();
  const auto start = f.effects();
  CHECK(start.at(0) == json{{"kind", "openTransport"}, {"transport", 4}, {"url", "ws://127.0.0.1:1/ws"}});
  f.transport.send({{"type", "a"}});
  f.transport.send({{"type", "b"}});
  CHECK(f.sent().empty());
  CHECK(f.transport.queued() == 2);
  f.transport.on_opened();
  f.transport.send_now({{"type", "hello"}});  // the protocol's join: ahead of the queue
  f.ctx.connection_id = "conn-9";
  f.transport.set_ready();
  const auto sent = f.sent();
  REQUIRE(sent.size() == 3);
  CHECK(sent[0]["type"] == "hello");
  CHECK(sent[1] == json{{"type", "a"}, {"stamped", "conn-9"}});
  CHECK(sent[2]["type"] == "b");
  CHECK(f.logger.entries().back().event == "offer");  // logged under the wire type it names
  CHECK(f.logger.entries().back().data["direction"] == "out");
}

TEST_CASE("transport: an abnormal close reconnects with exponential backoff, capped", "[transport]") {
  Fixture f("ws://127.0.0.1:1/ws");
  f.transport.start();
  f.transport.on_opened();
  f.transport.set_ready();
  f.effects();
  const double expected[] = {100, 200, 400, 400};
  double now = 1000;
  for (int attempt = 1; attempt <= 4; ++attempt) {
    f.ctx.set_now(Ms(now));
    f.transport.on_closed(1006, "", /*reconnect=*/true);
    INFO("attempt " << attempt);
    CHECK(f.transport.reconnect_attempt() == attempt);
    CHECK(f.transport.next_timeout() == Ms(now + expected[attempt - 1]));
    f.transport.on_timeout(Ms(now + expected[attempt - 1] - 1));
    bool reopened = false;
    for (const auto& e : f.effects()) reopened |= e["kind"] == "openTransport";
    CHECK_FALSE(reopened);
    now += expected[attempt - 1];
    f.ctx.set_now(Ms(now));
    f.transport.on_timeout(Ms(now));
    for (const auto& e : f.effects()) reopened |= e["kind"] == "openTransport";
    CHECK(reopened);
  }
  f.transport.on_joined(/*resumed=*/true);
  CHECK(f.transport.reconnect_attempt() == 0);
  // A close that must not come back (the protocol says so) schedules nothing.
  f.transport.on_closed(4001, "taken over", /*reconnect=*/false);
  CHECK_FALSE(f.transport.next_timeout());
}

TEST_CASE("transport: stop says goodbye when ready, closes, and never reconnects", "[transport]") {
  Fixture f("ws://127.0.0.1:1/ws");
  f.transport.start();
  f.transport.on_opened();
  f.transport.set_ready();
  f.effects();
  f.transport.stop(json{{"type", "leave"}});
  const auto e = f.effects();
  REQUIRE(e.size() == 2);
  CHECK(e[0]["message"]["type"] == "leave");
  CHECK(e[1] == json{{"kind", "closeTransport"}, {"transport", 4}});
  f.transport.on_closed(1000, "destroy", true);
  CHECK_FALSE(f.transport.next_timeout());
}

TEST_CASE("transport: a portal socket is ready at once, pauses and resumes; failed sends requeue in order", "[transport]") {
  Fixture f("");
  f.transport.start();
  CHECK(f.transport.ready());
  CHECK(f.effects().empty());  // nothing to open
  f.transport.send({{"type", "a"}});
  const json a = f.sent().at(0);
  f.transport.on_send_failed(a, "socket not open");
  f.transport.send({{"type", "b"}});
  CHECK(f.sent().empty());
  f.transport.on_resumed();
  const auto sent = f.sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0]["type"] == "a");
  CHECK(sent[1]["type"] == "b");
  f.transport.on_paused();
  f.transport.send({{"type", "c"}});
  CHECK(f.sent().empty());
  f.transport.on_resumed();
  CHECK(f.sent().at(0)["type"] == "c");
}

TEST_CASE("transport: the dedupe window remembers the last N ids", "[transport]") {
  Fixture f("", /*window=*/2);
  CHECK_FALSE(f.transport.is_duplicate("x/1"));
  CHECK(f.transport.is_duplicate("x/1"));
  CHECK_FALSE(f.transport.is_duplicate("x/2"));
  CHECK_FALSE(f.transport.is_duplicate("x/3"));  // x/1 leaves the window
  CHECK_FALSE(f.transport.is_duplicate("x/1"));
  CHECK(f.transport.is_duplicate("x/3"));
}

TEST_CASE("transport: several URLs — each failed attempt opens the next one, round robin, with backoff; a join stays", "[transport][failover]") {
  log::Logger logger{100};
  io::Context ctx{logger, Ms(0), 3};
  signaling::Transport transport(
      signaling::TransportConfig{io::TransportId{4}, "ws://a/ws", {Ms(100), Ms(400), 0}, 1024, "", {"ws://b/ws", "ws://c/ws"}}, ctx,
      [](const json&) { return std::string_view("offer"); }, nullptr);
  std::vector<std::string> scheduled_urls;  // SIGNALING_RECONNECT 'scheduled' payloads' url
  auto opened_url = [&]() {
    std::string url;
    while (auto e = ctx.poll()) {
      const json j = io::encode(*e);
      if (j["kind"] == "openTransport") url = j["url"];
      if (auto p = j.find("payload"); p != j.end() && p->is_object() && p->value("phase", std::string()) == "scheduled")
        scheduled_urls.push_back(p->value("url", std::string()));
    }
    return url;
  };
  transport.start();
  CHECK(opened_url() == "ws://a/ws");
  transport.on_opened();
  transport.on_joined(false);
  // Process a dies: the next attempt goes to b, after the first backoff delay.
  double now = 1000;
  const char* expected_urls[] = {"ws://b/ws", "ws://c/ws", "ws://a/ws", "ws://b/ws"};
  const double delays[] = {100, 200, 400, 400};
  for (int attempt = 1; attempt <= 4; ++attempt) {
    INFO("attempt " << attempt);
    ctx.set_now(Ms(now));
    transport.on_closed(1006, "", /*reconnect=*/true);
    CHECK(transport.current_url() == expected_urls[attempt - 1]);
    CHECK(transport.next_timeout() == Ms(now + delays[attempt - 1]));
    transport.on_timeout(Ms(now + delays[attempt - 1] - 1));
    CHECK(opened_url().empty());  // not before the backoff delay
    now += delays[attempt - 1];
    transport.on_timeout(Ms(now));
    CHECK(opened_url() == expected_urls[attempt - 1]);
  }
  // Each SIGNALING_RECONNECT 'scheduled' event named the URL of its attempt.
  CHECK(scheduled_urls == std::vector<std::string>{"ws://b/ws", "ws://c/ws", "ws://a/ws", "ws://b/ws"});
  // b answers and the member is rejoined: the transport stays on b; the backoff starts over.
  transport.on_opened();
  transport.on_joined(true);
  CHECK(transport.reconnect_attempt() == 0);
  CHECK(transport.current_url() == "ws://b/ws");
  ctx.set_now(Ms(now));
  transport.on_closed(1006, "", true);
  CHECK(transport.next_timeout() == Ms(now + 100));
  CHECK(transport.current_url() == "ws://c/ws");
  transport.on_timeout(Ms(now + 100));
  CHECK(opened_url() == "ws://c/ws");
  // A close that must not come back moves nowhere.
  transport.on_opened();
  transport.on_joined(true);
  transport.on_closed(4001, "taken over", false);
  CHECK(transport.current_url() == "ws://c/ws");
  CHECK_FALSE(transport.next_timeout());
}

TEST_CASE("transport: one URL reconnects to that URL (no failover)", "[transport][failover]") {
  log::Logger logger{100};
  io::Context ctx{logger, Ms(0), 3};
  signaling::Transport transport(signaling::TransportConfig{io::TransportId{4}, "ws://a/ws", {Ms(100), Ms(400), 0}}, ctx,
                                 [](const json&) { return std::string_view("offer"); }, nullptr);
  transport.start();
  transport.on_opened();
  transport.on_closed(1006, "", true);
  CHECK(transport.current_url() == "ws://a/ws");
}
