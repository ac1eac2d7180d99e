// The Janus API codec (signaling/janus/codec.hpp): every core request encodes to the JSON the
// Janus docs show (src/mainpage.dox, "RESTful, WebSockets ... API" and "WebSockets Interface"),
// every core response and event decodes with its fields, and bad input on either side is
// refused with a code. Message shapes are those of janus.c and ice.c (janus-gateway 1.x).
#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include "callcore/signaling/janus/codec.hpp"

using namespace callcore::signaling::janus;
using nlohmann::json;

namespace {

const char* const kOffer = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n";

json encoded(const Request& request, std::string_view transaction = "t1") {
  const auto result = encode(request, transaction);
  if (const auto* err = std::get_if<EncodeError>(&result)) FAIL(err->code << ": " << err->message);
  return json::parse(std::get<std::string>(result));
}

EncodeError encode_error(const Request& request, std::string_view transaction = "t1") {
  const auto result = encode(request, transaction);
  REQUIRE(std::holds_alternative<EncodeError>(result));
  return std::get<EncodeError>(result);
}

template <typename T>
T decoded(const std::string& text) {
  const auto result = decode(text);
  if (const auto* err = std::get_if<DecodeError>(&result)) FAIL(err->code << ": " << err->message);
  const auto& message = std::get<Inbound>(result);
  REQUIRE(std::holds_alternative<T>(message));
  return std::get<T>(message);
}

template <typename T>
T decoded_json(const json& message) {
  return decoded<T>(message.dump());
}

DecodeError decode_error(const std::string& text) {
  const auto result = decode(text);
  REQUIRE(std::holds_alternative<DecodeError>(result));
  const auto& err = std::get<DecodeError>(result);
  CHECK_FALSE(err.message.empty());
  return err;
}

std::string error_code(const std::string& text) { return decode_error(text).code; }
std::string error_code_json(const json& message) { return error_code(message.dump()); }

}  // namespace

TEST_CASE("session and handle requests encode as the Janus WebSocket API documents them", "[janus]") {
  CHECK(encoded(CreateSession{}, "a1b2c3") == json{{"janus", "create"}, {"transaction", "a1b2c3"}});
  CHECK(encoded(ClaimSession{12345678}) == json{{"janus", "claim"}, {"session_id", 12345678}, {"transaction", "t1"}});
  CHECK(encoded(DestroySession{12345678}) ==
        json{{"janus", "destroy"}, {"session_id", 12345678}, {"transaction", "t1"}});
  CHECK(encoded(KeepAlive{12345678}, "sBJNyUhH6Vc6") ==
        json{{"janus", "keepalive"}, {"session_id", 12345678}, {"transaction", "sBJNyUhH6Vc6"}});
  CHECK(encoded(Attach{12345678, {}}) == json{{"janus", "attach"},
                                              {"session_id", 12345678},
                                              {"plugin", "janus.plugin.videoroom"},
                                              {"transaction", "t1"}});
  CHECK(encoded(Attach{12345678, "room-7/alice"})["opaque_id"] == "room-7/alice");
  CHECK(encoded(Detach{12345678, 98765432}) ==
        json{{"janus", "detach"}, {"session_id", 12345678}, {"handle_id", 98765432}, {"transaction", "t1"}});
  CHECK(encoded(Hangup{12345678, 98765432}) ==
        json{{"janus", "hangup"}, {"session_id", 12345678}, {"handle_id", 98765432}, {"transaction", "t1"}});
  CHECK(name(Request{Trickle{}}) == "trickle");
  CHECK(name(Request{KeepAlive{}}) == "keepalive");
}

TEST_CASE("a message carries the VideoRoom body and its jsep", "[janus]") {
  const auto msg = encoded(Message{12345678, 98765432, videoroom::Publish{}, Jsep{"offer", kOffer}}, "sBJNyUhH6Vc6");
  CHECK(msg == json{{"janus", "message"},
                    {"session_id", 12345678},
                    {"handle_id", 98765432},
                    {"transaction", "sBJNyUhH6Vc6"},
                    {"body", {{"request", "publish"}}},
                    {"jsep", {{"type", "offer"}, {"sdp", kOffer}}}});
  // Without a jsep the member is left out (Janus treats an empty jsep as a negotiation).
  CHECK_FALSE(encoded(Message{1, 2, videoroom::Leave{}, std::nullopt}).contains("jsep"));
  CHECK(encoded(Message{1, 2, videoroom::Start{}, Jsep{"answer", "v=0\r\n"}})["jsep"]["type"] == "answer");
  CHECK(encoded(Message{1, 2, videoroom::ConfigurePublisher{}, Jsep{"offer", "v=0\r\n"}})["jsep"]["type"] == "offer");
}

TEST_CASE("trickle sends one candidate, a list, or the end of candidates", "[janus]") {
  const IceCandidate host{"candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host", "0", 0};
  CHECK(encoded(Trickle{1, 2, host}, "hehe83hd8dw12e") ==
        json{{"janus", "trickle"},
             {"session_id", 1},
             {"handle_id", 2},
             {"transaction", "hehe83hd8dw12e"},
             {"candidate",
              {{"candidate", "candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host"}, {"sdpMid", "0"}, {"sdpMLineIndex", 0}}}});
  const IceCandidate relay{"candidate:2 1 udp 41885439 203.0.113.5 3478 typ relay", std::nullopt, std::nullopt};
  const auto list = encoded(Trickle{1, 2, std::vector<IceCandidate>{host, relay}});
  REQUIRE(list["candidates"].size() == 2);
  CHECK(list["candidates"][1] == json{{"candidate", "candidate:2 1 udp 41885439 203.0.113.5 3478 typ relay"}});
  CHECK_FALSE(list.contains("candidate"));
  CHECK(encoded(Trickle{1, 2, EndOfCandidates{}})["candidate"] == json{{"completed", true}});
}

TEST_CASE("64-bit ids are written and read exactly, never through a double", "[janus]") {
  constexpr Id kMax = 18446744073709551615ULL;
  constexpr Id kNotADouble = 9007199254740993ULL;  // 2^53 + 1 rounds to 2^53 as a double
  const auto text = std::get<std::string>(encode(Detach{kMax, kNotADouble}, "t"));
  CHECK(text.find("\"session_id\":18446744073709551615") != std::string::npos);
  CHECK(text.find("\"handle_id\":9007199254740993") != std::string::npos);

  const auto up = decoded<WebrtcUp>(R"({"janus":"webrtcup","session_id":18446744073709551615,"sender":9007199254740993})");
  CHECK(up.session_id == kMax);
  CHECK(up.sender == kNotADouble);
  // One past 2^64-1 is no longer an integer for the parser: refused, not rounded.
  CHECK(error_code(R"({"janus":"webrtcup","session_id":18446744073709551616,"sender":1})") == "invalidField");
}

TEST_CASE("bad requests are refused with a code and nothing is encoded", "[janus]") {
  CHECK(encode_error(CreateSession{}, "").code == "invalidRequest");
  CHECK(encode_error(CreateSession{}, std::string(kMaxTransactionBytes + 1, 'x')).code == "invalidRequest");
  CHECK(encode_error(CreateSession{}, "t\xff").code == "invalidText");
  CHECK(encode_error(KeepAlive{0}).message.find("session_id") != std::string::npos);
  CHECK(encode_error(Detach{1, 0}).message.find("handle_id") != std::string::npos);
  CHECK(encode_error(Attach{1, "\xed\xa0\x80"}).code == "invalidText");  // a lone surrogate, as WTF-8
  // jsep rules: publish needs an offer; start takes an answer; join takes none.
  CHECK(encode_error(Message{1, 2, videoroom::Publish{}, std::nullopt}).message == "a 'publish' request needs a jsep offer");
  CHECK(encode_error(Message{1, 2, videoroom::Start{}, Jsep{"offer", "v=0"}}).code == "invalidRequest");
  CHECK(encode_error(Message{1, 2, videoroom::JoinPublisher{1234, std::nullopt, {}, {}, {}}, Jsep{"offer", "v=0"}}).message ==
        "a 'join' request carries no jsep");
  CHECK(encode_error(Message{1, 2, videoroom::Publish{}, Jsep{"offer", ""}}).message == "jsep.sdp must not be empty");
  CHECK(encode_error(Message{1, 2, videoroom::Publish{}, Jsep{"pranswer", "v=0"}}).code == "invalidRequest");
  // trickle: an empty list is not the end of candidates; a candidate needs its line.
  CHECK(encode_error(Trickle{1, 2, std::vector<IceCandidate>{}}).code == "invalidRequest");
  CHECK(encode_error(Trickle{1, 2, IceCandidate{"", "0", 0}}).code == "invalidRequest");
}

TEST_CASE("responses decode with their transaction and ids", "[janus]") {
  const auto ack = decoded<Ack>(R"({"janus":"ack","session_id":12345678,"transaction":"sBJNyUhH6Vc6","hint":"processing"})");
  CHECK(ack.transaction == "sBJNyUhH6Vc6");
  CHECK(ack.session_id == 12345678);
  CHECK(ack.hint == "processing");

  const auto created = decoded<Success>(R"({"janus":"success","transaction":"t1","data":{"id":4574061985075210}})");
  CHECK(created.id == Id{4574061985075210});
  CHECK(created.session_id == 0);
  CHECK_FALSE(created.plugin);
  const auto attached =
      decoded<Success>(R"({"janus":"success","session_id":4574061985075210,"transaction":"t2","data":{"id":3209475829354}})");
  CHECK(attached.session_id == 4574061985075210);
  CHECK(attached.id == Id{3209475829354});
  const auto detached = decoded<Success>(R"({"janus":"success","session_id":1,"transaction":"t3"})");
  CHECK_FALSE(detached.id);

  // A synchronous plugin answer: the VideoRoom refused the request before queueing it.
  const auto sync = decoded_json<Success>(json{{"janus", "success"},
                                          {"session_id", 1},
                                          {"transaction", "t4"},
                                          {"sender", 2},
                                          {"plugindata",
                                           {{"plugin", "janus.plugin.videoroom"},
                                            {"data", {{"videoroom", "event"}, {"error_code", 423}, {"error", "Unknown request 'nope'"}}}}}});
  CHECK(sync.sender == 2);
  REQUIRE(sync.plugin);
  REQUIRE(std::holds_alternative<videoroom::Error>(*sync.plugin));
  CHECK(std::get<videoroom::Error>(*sync.plugin).code == 423);

  const auto error = decoded<Error>(
      R"({"janus":"error","session_id":12345678,"transaction":"a1b2c3d4","error":{"code":458,"reason":"No such session 12345678"}})");
  CHECK(error.transaction == "a1b2c3d4");
  CHECK(error.session_id == 12345678);
  CHECK(error.code == 458);
  CHECK(error.reason == "No such session 12345678");
  CHECK(name(Inbound{error}) == "error");
}

TEST_CASE("WebRTC-related events decode with their fields", "[janus]") {
  const auto up = decoded<WebrtcUp>(R"({"janus":"webrtcup","session_id":1815153248,"sender":2130553270})");
  CHECK(up.session_id == 1815153248);
  CHECK(up.sender == 2130553270);

  const auto media = decoded<Media>(
      R"({"janus":"media","session_id":1,"sender":2,"mid":"1","type":"video","substream":2,"receiving":false,"seconds":3})");
  CHECK(media.mid == "1");
  CHECK(media.type == "video");
  CHECK_FALSE(media.receiving);
  CHECK(media.substream == 2);
  CHECK(media.seconds == std::uint32_t{3});
  const auto audio = decoded<Media>(R"({"janus":"media","session_id":1,"sender":2,"mid":"0","type":"audio","receiving":true})");
  CHECK(audio.receiving);
  CHECK_FALSE(audio.substream);
  CHECK_FALSE(audio.seconds);

  const auto slow = decoded<SlowLink>(
      R"({"janus":"slowlink","session_id":1,"sender":2,"mid":"1","media":"video","uplink":true,"lost":87})");
  CHECK(slow.mid == "1");
  CHECK(slow.media == "video");
  CHECK(slow.uplink);
  CHECK(slow.lost == 87);

  CHECK(decoded<HangupEvent>(R"({"janus":"hangup","session_id":1,"sender":2,"reason":"DTLS alert"})").reason == "DTLS alert");
  CHECK(decoded<HangupEvent>(R"({"janus":"hangup","session_id":1,"sender":2})").reason.empty());
  CHECK(decoded<IceFailed>(R"({"janus":"ice-failed","session_id":1,"sender":2})").sender == 2);
  CHECK(decoded<Detached>(R"({"janus":"detached","session_id":1,"sender":2})").sender == 2);
  CHECK(decoded<Timeout>(R"({"janus":"timeout","session_id":4574061985075210})").session_id == 4574061985075210);

  const auto cand = decoded<TrickleEvent>(
      R"({"janus":"trickle","session_id":1,"sender":2,"candidate":{"sdpMid":"0","sdpMLineIndex":0,"candidate":"candidate:1 1 udp 2015363327 198.51.100.7 10000 typ host"}})");
  REQUIRE(cand.candidate);
  CHECK(cand.candidate->candidate == "candidate:1 1 udp 2015363327 198.51.100.7 10000 typ host");
  CHECK(cand.candidate->sdp_mid == std::optional<std::string>("0"));
  CHECK(cand.candidate->sdp_mline_index == std::optional<std::uint32_t>(0));
  CHECK_FALSE(decoded<TrickleEvent>(R"({"janus":"trickle","session_id":1,"sender":2,"candidate":{"completed":true}})").candidate);
}

TEST_CASE("an event carries its VideoRoom data and jsep", "[janus]") {
  const auto event = decoded_json<Event>(json{
      {"janus", "event"},
      {"session_id", 1},
      {"sender", 2},
      {"transaction", "t9"},
      {"plugindata", {{"plugin", "janus.plugin.videoroom"}, {"data", {{"videoroom", "event"}, {"room", 1234}, {"configured", "ok"}}}}},
      {"jsep", {{"type", "answer"}, {"sdp", "v=0\r\n"}}}});
  CHECK(event.transaction == "t9");
  CHECK(event.sender == 2);
  REQUIRE(std::holds_alternative<videoroom::Configured>(event.plugin));
  CHECK(std::get<videoroom::Configured>(event.plugin).room == 1234);
  REQUIRE(event.jsep);
  CHECK(event.jsep->type == "answer");
  CHECK(event.jsep->sdp == "v=0\r\n");
  // Events Janus sends on its own account have no transaction.
  const auto own = decoded<Event>(
      R"({"janus":"event","session_id":1,"sender":2,"plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"event","room":1234,"unpublished":8146}}})");
  CHECK(own.transaction.empty());
  CHECK_FALSE(own.jsep);
}

TEST_CASE("malformed, unknown and request-typed messages are refused with codes", "[janus]") {
  CHECK(error_code("{not json") == "malformed");
  CHECK(error_code("[1,2]") == "malformed");
  CHECK(error_code(R"({"transaction":"t"})") == "malformed");
  CHECK(error_code(R"({"janus":7})") == "malformed");
  CHECK(error_code(R"({"janus":"bogus"})") == "unknownType");
  CHECK(error_code(R"({"janus":"server_info","transaction":"t"})") == "unknownType");
  CHECK(error_code(R"({"janus":"create","transaction":"t"})") == "unexpectedType");
  CHECK(error_code(R"({"janus":"message","session_id":1,"handle_id":2,"body":{}})") == "unexpectedType");
  CHECK(error_code(R"({"janus":"keepalive","session_id":1})") == "unexpectedType");
  CHECK(error_code(std::string(kMaxMessageBytes + 1, ' ')) == "tooLarge");
  const auto over = decode(R"({"janus":"webrtcup","session_id":1,"sender":2})", 10);
  REQUIRE(std::holds_alternative<DecodeError>(over));
  CHECK(std::get<DecodeError>(over).code == "tooLarge");
}

TEST_CASE("ids, transactions and fields of the wrong type or range are refused", "[janus]") {
  CHECK(error_code(R"({"janus":"webrtcup","session_id":1})") == "invalidField");                 // no sender
  CHECK(error_code(R"({"janus":"webrtcup","sender":2})") == "invalidField");                     // no session
  CHECK(error_code(R"({"janus":"webrtcup","session_id":0,"sender":2})") == "invalidField");
  CHECK(error_code(R"({"janus":"webrtcup","session_id":-1,"sender":2})") == "invalidField");
  CHECK(error_code(R"({"janus":"webrtcup","session_id":1.0,"sender":2})") == "invalidField");
  // Janus's string_ids mode is not supported, and says so.
  CHECK(decode_error(R"({"janus":"webrtcup","session_id":"1","sender":2})").message.find("string ids") != std::string::npos);
  CHECK(error_code_json(json{{"janus", "ack"}, {"transaction", std::string(kMaxTransactionBytes + 1, 't')}}) == "invalidField");
  CHECK(error_code(R"({"janus":"ack","transaction":5})") == "invalidField");
  CHECK(error_code(R"({"janus":"error","transaction":"t"})") == "invalidField");
  CHECK(error_code(R"({"janus":"error","transaction":"t","error":{"code":"458"}})") == "invalidField");
  CHECK(error_code(R"({"janus":"success","transaction":"t","data":{"id":"12"}})") == "invalidField");
  CHECK(error_code(R"({"janus":"media","session_id":1,"sender":2,"mid":"0","type":"data","receiving":true})") ==
        "invalidField");
  CHECK(error_code(R"({"janus":"media","session_id":1,"sender":2,"mid":"0","type":"audio"})") == "invalidField");
  CHECK(error_code(R"({"janus":"media","session_id":1,"sender":2,"type":"audio","receiving":true})") == "invalidField");
  CHECK(error_code(R"({"janus":"slowlink","session_id":1,"sender":2,"mid":"0","media":"audio","uplink":true,"lost":-3})") ==
        "invalidField");
  CHECK(error_code(R"({"janus":"trickle","session_id":1,"sender":2})") == "invalidField");
  CHECK(error_code(R"({"janus":"trickle","session_id":1,"sender":2,"candidate":{"sdpMid":"0"}})") == "invalidField");
  CHECK(error_code(R"({"janus":"trickle","session_id":1,"sender":2,"candidate":{"candidate":"c","sdpMLineIndex":-1}})") ==
        "invalidField");
  // event: plugindata of the VideoRoom only, and a jsep of type offer|answer with an SDP.
  const json data = {{"videoroom", "event"}, {"room", 1}, {"started", "ok"}};
  CHECK(error_code_json(json{{"janus", "event"}, {"session_id", 1}, {"sender", 2}}) == "invalidField");
  CHECK(decode_error(json{{"janus", "event"},
                          {"session_id", 1},
                          {"sender", 2},
                          {"plugindata", {{"plugin", "janus.plugin.echotest"}, {"data", data}}}}
                         .dump())
            .message.find("janus.plugin.videoroom") != std::string::npos);
  const json ok = {{"janus", "event"},
                   {"session_id", 1},
                   {"sender", 2},
                   {"plugindata", {{"plugin", "janus.plugin.videoroom"}, {"data", data}}}};
  CHECK(std::holds_alternative<Inbound>(decode(ok.dump())));
  json bad_jsep = ok;
  bad_jsep["jsep"] = {{"type", "pranswer"}, {"sdp", "v=0"}};
  CHECK(error_code_json(bad_jsep) == "invalidField");
  bad_jsep["jsep"] = {{"type", "offer"}, {"sdp", ""}};
  CHECK(error_code_json(bad_jsep) == "invalidField");
  bad_jsep["jsep"] = "v=0";
  CHECK(error_code_json(bad_jsep) == "invalidField");
}

TEST_CASE("nesting deeper than kMaxDepth is refused before anything reads it", "[janus]") {
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  CHECK(error_code(nested(kMaxDepth)) == "malformed");  // parsed: just not an object
  CHECK(error_code(nested(kMaxDepth + 1)) == "tooLarge");
  CHECK(error_code(nested(100000)) == "tooLarge");
  // Inside a real message: metadata nesting to exactly the limit is kept, one more level refused.
  auto joining = [](int metadata_depth) {
    std::string meta = "1";
    for (int i = 0; i < metadata_depth; ++i) meta = "[" + meta + "]";
    return R"({"janus":"event","session_id":1,"sender":2,"plugindata":{"plugin":"janus.plugin.videoroom","data":)"
           R"({"videoroom":"event","room":1,"joining":{"id":5,"metadata":{"m":)" +
           meta + "}}}}}";
  };
  // Levels: root, plugindata, data, joining, metadata = 5 containers before the arrays.
  CHECK(error_code(joining(kMaxDepth - 5 + 1)) == "tooLarge");
  const auto kept = decoded<Event>(joining(kMaxDepth - 5));
  CHECK(std::get<videoroom::Joining>(kept.plugin).participant.metadata.contains("m"));
}
