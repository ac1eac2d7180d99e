// Regression tests for the bugs the fuzz targets found (tests/fuzz/, docs/reliability.md): each
// test replays the input that broke an invariant and checks the fixed behaviour.
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "callcore/io/codec.hpp"
#include "callcore/signaling/vcm/codec.hpp"

using namespace callcore::signaling::vcm;
using nlohmann::json;

namespace {

DecodeError decode_error(const DecodeResult& r) {
  REQUIRE(std::holds_alternative<DecodeError>(r));
  return std::get<DecodeError>(r);
}

// An `enter` whose extra field `x` nests arrays so that the whole message is `depth` levels deep
// (the message object is level 1, data level 2).
std::string enter_nested(int depth) {
  const int arrays = depth - 2;
  return R"({"type":"enter","data":{"sender":{"connectionId":"c-1"},"x":)" + std::string(arrays, '[') +
         std::string(arrays, ']') + "}}";
}

}  // namespace

TEST_CASE("fuzz: an unknown type cut at 64 bytes inside a UTF-8 character keeps the error message valid UTF-8", "[vcm][fuzz]") {
  // fuzz_vcm_decode: "DecodeError is not serializable: invalid UTF-8 byte" (tests/fuzz/corpus/
  // fuzz_vcm_decode/regression-unknown-type-utf8.json). 63 ASCII bytes then 'é' (2 bytes): the
  // old substr(0, 64) kept only the first byte of 'é'.
  const std::string type = std::string(63, 'a') + "\xC3\xA9";
  const auto err = decode_error(decode(json{{"type", type}, {"data", json::object()}}.dump()));
  CHECK(err.code == "unknownType");
  CHECK_NOTHROW(json(err.message).dump());
  CHECK(err.message == "unknown message type '" + std::string(63, 'a') + "'");
  // A type that ends exactly at a character boundary keeps all its 64 bytes.
  std::string two_byte;
  for (int i = 0; i < 40; ++i) two_byte += "\xD0\x96";  // 'Ж' × 40 = 80 bytes
  const auto err2 = decode_error(decode(json{{"type", two_byte}, {"data", json::object()}}.dump()));
  CHECK_NOTHROW(json(err2.message).dump());
  CHECK(err2.message == "unknown message type '" + two_byte.substr(0, 64) + "'");
}

TEST_CASE("fuzz: messages nesting deeper than 32 levels are refused before anything walks them", "[vcm][fuzz]") {
  // fuzz_vcm_decode / fuzz_session: AddressSanitizer stack-overflow in the recursive JSON copy
  // of a 64 KiB message of nested arrays (tests/fuzz/corpus/fuzz_vcm_decode/
  // regression-deep-nesting.json). Real messages nest 4 levels.
  const auto ok = decode(enter_nested(32));
  REQUIRE(std::holds_alternative<Message>(ok));
  CHECK(std::get<Message>(ok).type == MessageType::Enter);

  const auto err = decode_error(decode(enter_nested(33)));
  CHECK(err.code == "tooLarge");
  CHECK(err.message == "message nests objects/arrays deeper than 32 levels");

  const auto deep = decode_error(decode(enter_nested(32000)));
  CHECK(deep.code == "tooLarge");

  // Brackets inside strings (escaped quotes too) do not count.
  const std::string in_strings = R"({"type":"enter","data":{"sender":{"connectionId":"c-1"},"name":"[[[[\"{{{{)" +
                                 std::string(100, '[') + R"("}})";
  CHECK(std::holds_alternative<Message>(decode(in_strings)));

  // The depth is checked before the message is parsed: 60 000 opening brackets that never close
  // (not JSON at all) are refused as too deep, without the parser building anything.
  const auto unclosed = decode_error(decode(R"({"type":"enter","data":)" + std::string(60000, '[')));
  CHECK(unclosed.code == "tooLarge");
  const auto app = decode_app_message(std::string(9000, '{'));
  REQUIRE(std::holds_alternative<DecodeError>(app));
  CHECK(std::get<DecodeError>(app).code == "tooLarge");
}

TEST_CASE("fuzz: a local ICE candidate keeps only its scalar members, however deep the shell's object nests", "[io][fuzz]") {
  // fuzz_input_decode: AddressSanitizer stack-overflow copying a candidate object that nests
  // thousands of arrays (8 000 in tests/fuzz/corpus/fuzz_input_decode/regression-deep-candidate.json).
  using namespace callcore::io;
  auto candidate = [](const std::optional<Input>& i) { return std::get<in::LocalIceCandidate>(std::get<FromPc>(*i).event).candidate; };
  const json real = json::parse(
      R"({"candidate":"candidate:1923643054 1 udp 2122194687 127.0.0.1 36486 typ host generation 0 ufrag lFMA network-id 3 network-cost 50","sdpMLineIndex":0,"sdpMid":"0","usernameFragment":"lFMA"})");
  auto input = decode_input({{"kind", "localIceCandidate"}, {"pc", 1}, {"candidate", real}});
  REQUIRE(input);
  CHECK(candidate(input) == real);

  const std::string deep = R"({"kind":"localIceCandidate","candidate":{"candidate":"c","x":)" + std::string(20000, '[') +
                           std::string(20000, ']') + "}}";
  auto nested = decode_input(json::parse(deep));
  REQUIRE(nested);
  CHECK(candidate(nested) == json{{"candidate", "c"}});
}

TEST_CASE("fuzz: app messages from the data channel nesting deeper than 32 levels are refused", "[vcm][fuzz]") {
  // fuzz_vcm_decode: AddressSanitizer stack-overflow copying the body of a 16 KiB app message
  // nesting 8 000 arrays (tests/fuzz/corpus/fuzz_vcm_decode/regression-deep-app-message.json).
  auto app = [](int body_depth) {
    return R"({"type":"chat","seq":1,"body":)" + std::string(body_depth, '[') + std::string(body_depth, ']') + "}";
  };
  const auto ok = decode_app_message(app(31));  // the object is level 1
  REQUIRE(std::holds_alternative<AppMessage>(ok));
  CHECK(std::get<AppMessage>(ok).seq == 1);
  const auto refused = decode_app_message(app(32));
  REQUIRE(std::holds_alternative<DecodeError>(refused));
  CHECK(std::get<DecodeError>(refused).code == "tooLarge");
  const auto deep = decode_app_message(app(8000));
  REQUIRE(std::holds_alternative<DecodeError>(deep));
  CHECK(std::get<DecodeError>(deep).code == "tooLarge");
}
