// The video start bitrate written into remote descriptions (rtc/start_bitrate.hpp), and the
// consultation's RTCParams videoStartBitrate that sets it.
#include <catch2/catch.hpp>

#include "callcore/rtc/start_bitrate.hpp"
#include "driver.hpp"

using namespace callcore;
using callcore::rtc::with_start_bitrate;
using callcore::session::consultation::parse_params;
using callcore::session::consultation::Role;
using callcore::test::client_params;
using callcore::test::Driver;
using nlohmann::json;

namespace {

// The shape of a Chromium 14x offer (trimmed): audio, then video with VP8 (no fmtp), its rtx,
// VP9 (fmtp profile-id), red and ulpfec, then a data section.
const std::string kOffer =
    "v=0\r\n"
    "o=- 1 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=mid:0\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 116 117\r\n"
    "a=mid:1\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:98 VP9/90000\r\n"
    "a=fmtp:98 profile-id=0\r\n"
    "a=rtpmap:116 red/90000\r\n"
    "a=rtpmap:117 ulpfec/90000\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "a=mid:2\r\n";

}  // namespace

TEST_CASE("start bitrate: every video codec's fmtp gets x-google-start-bitrate in kbps; nothing else changes", "[rtc][sdp]") {
  const std::string out = with_start_bitrate(kOffer, 800000);
  const std::string expected =
      "v=0\r\n"
      "o=- 1 2 IN IP4 127.0.0.1\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=group:BUNDLE 0 1 2\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
      "a=mid:0\r\n"
      "a=rtpmap:111 opus/48000/2\r\n"
      "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 116 117\r\n"
      "a=mid:1\r\n"
      "a=rtpmap:96 VP8/90000\r\n"
      "a=fmtp:96 x-google-start-bitrate=800\r\n"
      "a=rtcp-fb:96 nack\r\n"
      "a=rtpmap:97 rtx/90000\r\n"
      "a=fmtp:97 apt=96\r\n"
      "a=rtpmap:98 VP9/90000\r\n"
      "a=fmtp:98 profile-id=0;x-google-start-bitrate=800\r\n"
      "a=rtpmap:116 red/90000\r\n"
      "a=rtpmap:117 ulpfec/90000\r\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
      "a=mid:2\r\n";
  CHECK(out == expected);
  CHECK(with_start_bitrate(out, 800000) == out);  // a parameter already there is kept, not doubled
}

TEST_CASE("start bitrate: 0 leaves the text alone; LF line ends and text without a final line end are kept", "[rtc][sdp]") {
  CHECK(with_start_bitrate(kOffer, 0) == kOffer);
  CHECK(with_start_bitrate("m=video 9 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=1", 1500999) ==
        "m=video 9 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=1;x-google-start-bitrate=1500");
  CHECK(with_start_bitrate("v=0", 800000) == "v=0");
  CHECK(with_start_bitrate("", 800000).empty());
  CHECK(with_start_bitrate("not sdp at all\r\n", 800000) == "not sdp at all\r\n");
}

TEST_CASE("start bitrate: the consultation writes it into the remote offer it applies (default 800 kbps, 0 = off)", "[client][sdp]") {
  const json offer = {{"description", {{"type", "offer"}, {"sdp", kOffer}}}};
  const json enter = {{"name", "Dr House"}, {"clientId", "doc-1"}, {"isAudio", false}};
  {
    Driver c(Role::Client, client_params());
    c.message("enter", enter, "conn-doc");
    c.message("offer", offer, "conn-doc");  // instant answer: applied while ringing
    const std::string sdp = c.find("setRemoteDescription")["description"]["sdp"];
    CHECK(sdp == with_start_bitrate(kOffer, 800000));
    CHECK(sdp.find("a=fmtp:96 x-google-start-bitrate=800\r\n") != std::string::npos);
  }
  {
    json p = client_params();
    p["videoStartBitrate"] = 0;
    Driver c(Role::Client, p);
    c.message("enter", enter, "conn-doc");
    c.message("offer", offer, "conn-doc");
    CHECK(c.find("setRemoteDescription")["description"]["sdp"] == kOffer);
  }
  for (const json bad : {json("800000"), json(-1), json(99999), json(10000001), json(800000.5), json(true)}) {
    json p = client_params();
    p["videoStartBitrate"] = bad;
    auto r = parse_params(p);
    REQUIRE(std::holds_alternative<errors::CallError>(r));
    CHECK(std::get<errors::CallError>(r).description.find("videoStartBitrate") != std::string::npos);
  }
  json ok = client_params();
  ok["videoStartBitrate"] = 2000000;
  CHECK(std::get<session::consultation::Params>(parse_params(ok)).video_start_bitrate_bps == 2000000);
}
