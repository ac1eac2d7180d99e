// rtc::Peer on its own (no session): perfect negotiation between a polite and an impolite peer
// wired to each other, the remote-candidate queue, the ICE restart policy with time passed in, and
// the senders by tag. W3C webrtc-pc §10 ("Perfect Negotiation Example") is the reference.
#include <deque>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "callcore/io/codec.hpp"
#include "callcore/rtc/peer.hpp"

using namespace callcore;
using callcore::base::Ms;
using nlohmann::json;

namespace {

// One peer with its context; what it signals is kept in `signalled`.
struct Side {
  log::Logger logger{200};
  io::Context ctx{logger, Ms(0), 7};
  std::vector<std::pair<std::string, json>> signalled;
  rtc::Peer peer;

  explicit Side(bool polite, rtc::IceRestartPolicy ice = {})
      : peer(rtc::PeerConfig{io::PcId{1}, polite, ice, {{"app", 0, true, true}}}, ctx,
             [this](std::string_view type, json fields) { signalled.emplace_back(std::string(type), std::move(fields)); }) {}

  // The effects since the last call, encoded as the shell receives them.
  std::vector<json> effects() {
    std::vector<json> out;
    while (auto e = ctx.poll()) out.push_back(io::encode(*e));
    return out;
  }
  std::vector<std::string> kinds() {
    std::vector<std::string> k;
    for (const auto& e : effects()) k.push_back(e["kind"]);
    return k;
  }
};

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("peer: open creates the connection with its data channels, then adds the senders", "[peer]") {
  Side s(false);
  s.peer.add_sender("audio", rtc::Sender{"audio", io::TrackId{1}, "local", false});
  CHECK(s.effects().empty());  // not open yet: recorded only
  s.peer.open();
  const auto e = s.effects();
  REQUIRE(e.size() == 2);
  CHECK(e[0] == json{{"kind", "createPc"}, {"pc", 1},
                     {"dataChannels", {{{"label", "app"}, {"id", 0}, {"negotiated", true}, {"ordered", true}}}},
                     {"bundlePolicy", "max-bundle"}});
  CHECK(e[1] == json{{"kind", "addTrack"}, {"pc", 1}, {"tag", "audio"}, {"trackId", 1}, {"streamId", "local"}});
  s.peer.close();
  CHECK(s.kinds() == Strings{"closePc"});
  CHECK_FALSE(s.peer.created());
}

TEST_CASE("peer: glare between an impolite and a polite peer settles with the impolite side's offer", "[peer][glare]") {
  Side impolite(false), polite(true);
  impolite.peer.open();
  polite.peer.open();
  impolite.effects();
  polite.effects();
  // A first exchange so that renegotiation is allowed (negotiationneeded before it is deferred).
  impolite.peer.make_offer();
  impolite.peer.on_signaling_state("have-local-offer");
  impolite.peer.on_local_description("offer", "v=0 o1");
  polite.peer.on_remote_description(impolite.signalled.back().second["description"], true);
  polite.peer.on_signaling_state("have-remote-offer");
  polite.peer.on_remote_description_set("offer");
  polite.peer.on_local_description("answer", "v=0 a1");
  polite.peer.on_signaling_state("stable");
  impolite.peer.on_remote_description(polite.signalled.back().second["description"], false);
  impolite.peer.on_signaling_state("stable");
  impolite.peer.on_remote_description_set("answer");
  impolite.effects();
  polite.effects();
  impolite.signalled.clear();
  polite.signalled.clear();

  // Both want to renegotiate at once: two offers cross.
  impolite.peer.on_negotiation_needed();
  polite.peer.on_negotiation_needed();
  CHECK(impolite.kinds() == Strings{"setLocalDescription"});
  CHECK(polite.kinds() == Strings{"setLocalDescription"});
  impolite.peer.on_signaling_state("have-local-offer");
  polite.peer.on_signaling_state("have-local-offer");
  impolite.peer.on_local_description("offer", "v=0 impolite");
  const json impolite_offer = impolite.signalled.back().second["description"];
  // The polite side's offer reaches the impolite side first: ignored, with its candidates.
  impolite.peer.on_remote_description({{"type", "offer"}, {"sdp", "v=0 polite"}}, true);
  CHECK(impolite.effects().empty());
  impolite.peer.on_remote_candidate({{"candidate", "candidate:polite"}});
  CHECK(impolite.effects().empty());
  CHECK(impolite.peer.candidate_queue().empty());
  // The impolite offer reaches the polite side while its own is in flight: it rolls back.
  polite.peer.on_remote_description(impolite_offer, true);
  const auto rollback = polite.effects();
  REQUIRE(rollback.size() == 1);
  CHECK(rollback[0] == json{{"kind", "setRemoteDescription"}, {"pc", 1}, {"description", impolite_offer}, {"rollback", true}});
  polite.peer.on_local_description("offer", "v=0 polite");  // the rolled-back offer resolves: not sent
  CHECK(polite.signalled.empty());
  polite.peer.on_signaling_state("have-remote-offer");
  polite.peer.on_remote_description_set("offer");
  CHECK(polite.kinds() == Strings{"setLocalDescription"});
  polite.peer.on_local_description("answer", "v=0 polite answer");
  REQUIRE(polite.signalled.size() == 1);
  CHECK(polite.signalled[0].first == "answer");
  // The impolite side applies the answer and is stable: both agree on its offer.
  impolite.peer.on_remote_description(polite.signalled[0].second["description"], false);
  CHECK(impolite.kinds() == Strings{"setRemoteDescription"});
  impolite.peer.on_remote_description_set("answer");
  CHECK_FALSE(impolite.peer.negotiation().negotiating());
  CHECK_FALSE(polite.peer.negotiation().negotiating());
}

TEST_CASE("peer: remote candidates wait for a remote description, in order", "[peer]") {
  Side s(true);
  s.peer.open();
  s.effects();
  s.peer.on_remote_candidate({{"candidate", "c1"}});
  s.peer.on_remote_candidate({{"candidate", "c2"}});
  CHECK(s.effects().empty());
  CHECK(s.peer.candidate_queue().size() == 2);
  s.peer.on_remote_description({{"type", "offer"}, {"sdp", "v=0"}}, true);
  s.effects();
  s.peer.on_remote_description_set("offer");
  const auto e = s.effects();
  // The candidates in their order, then the answer (see Peer::on_remote_description_set).
  REQUIRE(e.size() == 3);
  CHECK(e[0]["candidate"]["candidate"] == "c1");
  CHECK(e[1]["candidate"]["candidate"] == "c2");
  CHECK(e[2] == json{{"kind", "setLocalDescription"}, {"pc", 1}, {"type", "answer"}});
  s.peer.on_remote_candidate(nullptr);  // end-of-candidates goes straight in now
  CHECK(s.effects().at(0) == json{{"kind", "addIceCandidate"}, {"pc", 1}, {"candidate", nullptr}});
}

TEST_CASE("peer: ICE restart policy — grace, attempts with deadlines and backoff, then failure", "[peer][ice]") {
  rtc::IceRestartPolicy ice;
  ice.disconnected_grace = Ms(2000);
  ice.max_attempts = 2;
  ice.attempt_timeout = Ms(5000);
  ice.backoff = {Ms(1000), Ms(1000), 0};  // no jitter: exact times
  Side s(false, ice);
  s.peer.open();
  // A first exchange (restarts need an established connection).
  s.peer.make_offer();
  s.peer.on_local_description("offer", "v=0");
  s.peer.on_remote_description({{"type", "answer"}, {"sdp", "v=0"}}, false);
  s.peer.on_remote_description_set("answer");
  s.effects();

  s.ctx.set_now(Ms(10000));
  CHECK_FALSE(s.peer.on_connection_state("iceconnectionstatechange", "disconnected"));
  CHECK(s.peer.next_timeout() == Ms(12000));
  CHECK_FALSE(s.peer.on_timeout(Ms(11999)));
  CHECK(s.kinds() == Strings{"emit"});  // the 'disconnected' phase only
  s.ctx.set_now(Ms(12000));
  CHECK_FALSE(s.peer.on_timeout(Ms(12000)));
  CHECK(s.kinds() == Strings{"emit", "restartIce"});  // attempt 1
  CHECK(s.peer.next_timeout() == Ms(17000));
  s.ctx.set_now(Ms(17000));
  CHECK_FALSE(s.peer.on_timeout(Ms(17000)));  // not connected in time: backoff
  CHECK(s.peer.next_timeout() == Ms(18000));
  s.ctx.set_now(Ms(18000));
  CHECK_FALSE(s.peer.on_timeout(Ms(18000)));
  CHECK(s.kinds() == Strings{"emit", "emit", "restartIce"});  // backoff, attempt 2
  s.ctx.set_now(Ms(23000));
  s.peer.on_timeout(Ms(23000));
  s.ctx.set_now(Ms(24000));
  const auto failure = s.peer.on_timeout(Ms(24000));  // no attempts left
  REQUIRE(failure);
  CHECK(failure->reason == "iceFailed");
  CHECK(failure->error.type == "connection");
  s.peer.close();
  CHECK_FALSE(s.peer.next_timeout());
}

TEST_CASE("peer: a connection that recovers by itself ends the restart and its timers", "[peer][ice]") {
  Side s(false);
  s.peer.open();
  s.peer.make_offer();
  s.peer.on_local_description("offer", "v=0");
  s.peer.on_remote_description({{"type", "answer"}, {"sdp", "v=0"}}, false);
  s.peer.on_remote_description_set("answer");
  s.peer.on_connection_state("iceconnectionstatechange", "failed");
  CHECK(s.peer.ice_restart_attempt() == 1);
  s.peer.on_connection_state("iceconnectionstatechange", "connected");
  CHECK(s.peer.ice_restart_attempt() == 0);
  CHECK_FALSE(s.peer.next_timeout());
}

TEST_CASE("peer: ICE failing before the first exchange is a failure at once", "[peer][ice]") {
  Side s(false);
  s.peer.open();
  const auto failure = s.peer.on_connection_state("connectionstatechange", "failed");
  REQUIRE(failure);
  CHECK(failure->reason == "connection");
}
