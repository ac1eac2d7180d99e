// The send bitrate a connection starts at, carried in the remote description.
//
// Chromium starts its congestion controller (GoogCC) at 300 kbps unless the description it
// applies as *remote* gives the video codecs the non-standard format parameter
// `x-google-start-bitrate` (kbps; WebRTC's `kCodecParamStartBitrate`). At 300 kbps the pacer
// spreads a connection's first video keyframe over ~50 ms (the far side decodes its first frame
// that much later, bench/notes.md "Instant answer"); from 800 kbps the keyframe leaves at once.
// Other browsers ignore format parameters they do not know (RFC 8866 §6.15: fmtp parameters are
// format-specific), so the parameter is harmless there.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace callcore::rtc {

/// `sdp` (an RFC 8866 session description, CRLF or LF line ends) with
/// `x-google-start-bitrate=<start_bps / 1000>` (kbps, rounded down, at least 1) added to the
/// format parameters of every video payload type of every `m=video` section, except the
/// retransmission and redundancy formats (rtx, red, ulpfec, flexfec-03): appended to its
/// `a=fmtp:` line, or a new `a=fmtp:` line right after its `a=rtpmap:` line when it has none. A
/// payload type whose fmtp already names x-google-start-bitrate keeps it. `start_bps` 0 returns
/// `sdp` unchanged. Never throws; text that is not SDP comes back unchanged.
std::string with_start_bitrate(std::string_view sdp, std::uint32_t start_bps);

}  // namespace callcore::rtc
