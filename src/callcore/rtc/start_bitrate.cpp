#include "callcore/rtc/start_bitrate.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <vector>

namespace callcore::rtc {

namespace {

constexpr std::string_view kParam = "x-google-start-bitrate";

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// "a=rtpmap:96 VP8/90000" → {"96", "VP8"}; "a=fmtp:96 x=1" → {"96", "x=1"}.
std::pair<std::string_view, std::string_view> attribute_pt(std::string_view line, std::string_view prefix) {
  std::string_view rest = line.substr(prefix.size());
  const auto space = rest.find(' ');
  if (space == std::string_view::npos) return {rest, {}};
  return {rest.substr(0, space), rest.substr(space + 1)};
}

bool is_repair_format(std::string_view encoding) {
  std::string name(encoding.substr(0, encoding.find('/')));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name == "rtx" || name == "red" || name == "ulpfec" || name == "flexfec-03";
}

}  // namespace

std::string with_start_bitrate(std::string_view sdp, std::uint32_t start_bps) {
  if (start_bps == 0) return std::string(sdp);
  const std::string kbps = std::to_string(std::max<std::uint32_t>(start_bps / 1000, 1));
  const std::string_view eol = sdp.find("\r\n") != std::string_view::npos ? "\r\n" : "\n";

  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < sdp.size();) {
    auto end = sdp.find('\n', pos);
    if (end == std::string_view::npos) end = sdp.size();
    std::string_view line = sdp.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = end + 1;
  }

  // Per m=video section: its media payload types, and those that already have an fmtp line.
  std::string out;
  out.reserve(sdp.size() + 256);
  std::size_t i = 0;
  while (i < lines.size()) {
    std::size_t section_end = i + 1;
    while (section_end < lines.size() && !starts_with(lines[section_end], "m=")) ++section_end;
    const bool video = starts_with(lines[i], "m=video");
    std::set<std::string_view> media, with_fmtp;
    if (video) {
      for (std::size_t k = i; k < section_end; ++k) {
        if (starts_with(lines[k], "a=rtpmap:")) {
          auto [pt, encoding] = attribute_pt(lines[k], "a=rtpmap:");
          if (!is_repair_format(encoding)) media.insert(pt);
        } else if (starts_with(lines[k], "a=fmtp:")) {
          with_fmtp.insert(attribute_pt(lines[k], "a=fmtp:").first);
        }
      }
    }
    for (std::size_t k = i; k < section_end; ++k) {
      std::string_view line = lines[k];
      out.append(line);
      if (video && starts_with(line, "a=fmtp:")) {
        auto [pt, params] = attribute_pt(line, "a=fmtp:");
        if (media.count(pt) && params.find(kParam) == std::string_view::npos) {
          out.append(params.empty() ? "" : ";").append(kParam).append("=").append(kbps);
        }
      }
      out.append(eol);
      if (video && starts_with(line, "a=rtpmap:")) {
        auto pt = attribute_pt(line, "a=rtpmap:").first;
        if (media.count(pt) && !with_fmtp.count(pt)) {
          out.append("a=fmtp:").append(pt).append(" ").append(kParam).append("=").append(kbps).append(eol);
        }
      }
    }
    i = section_end;
  }
  if (!sdp.empty() && sdp.back() != '\n' && out.size() >= eol.size()) out.resize(out.size() - eol.size());
  return out;
}

}  // namespace callcore::rtc
