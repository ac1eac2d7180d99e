#include <string>

#include <catch2/catch.hpp>

#include "callcore/signaling/vcm/codec.hpp"

using namespace callcore::signaling::vcm;
using nlohmann::json;

namespace {

json sender() { return {{"chatId", "c"}, {"clientId", "u"}, {"connectionId", "x1"}}; }

std::string error_code(const std::string& text) {
  auto r = decode(text);
  REQUIRE(std::holds_alternative<DecodeError>(r));
  return std::get<DecodeError>(r).code;
}

}  // namespace

TEST_CASE("valid call messages decode with their sender", "[vcm]") {
  auto r = decode(json{{"type", "offer"},
                       {"data", {{"sender", sender()}, {"description", {{"type", "offer"}, {"sdp", "v=0"}}}}}}
                      .dump());
  REQUIRE(std::holds_alternative<Message>(r));
  const auto& m = std::get<Message>(r);
  CHECK(m.type == MessageType::Offer);
  CHECK(m.sender.connection_id == "x1");
  CHECK(m.sender.client_id == "u");
  CHECK(m.data["description"]["sdp"] == "v=0");

  auto cand = decode(json{{"type", "iceCandidate"}, {"data", {{"sender", sender()}, {"candidate", nullptr}}}}.dump());
  REQUIRE(std::holds_alternative<Message>(cand));
  auto joined = decode(R"({"type":"joined","data":{"connectionId":"c-1","members":[]}})");
  REQUIRE(std::holds_alternative<Message>(joined));
  CHECK(std::get<Message>(joined).type == MessageType::Joined);
}

TEST_CASE("malformed and unknown messages are refused with a code", "[vcm]") {
  CHECK(error_code("{not json") == "malformed");
  CHECK(error_code("[1,2]") == "malformed");
  CHECK(error_code(R"({"type":12})") == "malformed");
  CHECK(error_code(R"({"type":"offer"})") == "malformed");
  CHECK(error_code(R"({"type":"noSuchType","data":{}})") == "unknownType");
  CHECK(error_code(R"({"type":"join","data":{}})") == "unexpectedType");
  CHECK(error_code(R"({"type":"offer","data":{"description":42}})") == "invalidField");
  CHECK(error_code(json{{"type", "offer"}, {"data", {{"sender", sender()}, {"description", 42}}}}.dump()) ==
        "invalidField");
  CHECK(error_code(json{{"type", "answer"},
                        {"data", {{"sender", sender()}, {"description", {{"type", "offer"}, {"sdp", "v=0"}}}}}}
                       .dump()) == "invalidField");
  CHECK(error_code(json{{"type", "iceCandidate"},
                        {"data", {{"sender", sender()}, {"candidate", {{"candidate", "c"}, {"sdpMLineIndex", -1}}}}}}
                       .dump()) == "invalidField");
  CHECK(error_code(json{{"type", "deviceState"}, {"data", {{"sender", sender()}, {"isMute", "yes"}}}}.dump()) ==
        "invalidField");
  CHECK(error_code(R"({"type":"enter","data":{"sender":{"connectionId":""}}})") == "invalidField");
  CHECK(error_code(std::string(kMaxMessageBytes + 1, ' ')) == "tooLarge");
}

TEST_CASE("publish and transient messages have the seed's shapes", "[vcm]") {
  Sender s{"cons", "doc-1", "conn-1"};
  json pub = make_publish("enter", s, "cons", {{"name", "Dr"}});
  CHECK(pub == json{{"route", "vcm"},
                    {"data",
                     {{"type", "enter"},
                      {"name", "Dr"},
                      {"consultationId", "cons"},
                      {"sender", {{"chatId", "cons"}, {"clientId", "doc-1"}, {"connectionId", "conn-1"}}}}}});
  json tr = make_transient("hangUp", s, "cons", {"conn-2"}, {{"reason", "hangUp"}});
  CHECK(tr == json{{"type", "hangUp"},
                   {"chatId", "cons"},
                   {"connectionIds", {"conn-2"}},
                   {"data",
                    {{"reason", "hangUp"},
                     {"consultationId", "cons"},
                     {"sender", {{"chatId", "cons"}, {"clientId", "doc-1"}, {"connectionId", "conn-1"}}}}}});
}
