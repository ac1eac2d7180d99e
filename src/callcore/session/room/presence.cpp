// The mute state in a Janus display name (presence.hpp).
#include "callcore/session/room/presence.hpp"

#include <nlohmann/json.hpp>

namespace callcore::session::room {

std::string encode_presence(const Presence& p) {
  if (p.audio && p.video) return p.name;
  const nlohmann::json state = {{"audio", p.audio}, {"video", p.video}};
  return p.name + kPresenceSeparator + state.dump();
}

std::variant<Presence, std::string> decode_presence(std::string_view display) {
  const auto sep = display.find(kPresenceSeparator);
  if (sep == std::string_view::npos) return Presence{std::string(display), true, true};
  Presence p{std::string(display.substr(0, sep)), true, true};
  const std::string_view rest = display.substr(sep + 1);
  if (rest.size() > kPresenceMaxBytes) return std::string("display: the state after U+001F is longer than 256 bytes");
  const auto state = nlohmann::json::parse(rest, nullptr, /*allow_exceptions=*/false);
  if (!state.is_object()) return std::string("display: the state after U+001F is not a JSON object");
  for (auto [key, field] : {std::pair{"audio", &p.audio}, std::pair{"video", &p.video}}) {
    auto it = state.find(key);
    if (it == state.end()) continue;
    if (!it->is_boolean()) return std::string("display: the state's ") + key + " is not a boolean";
    *field = it->get<bool>();
  }
  return p;
}

}  // namespace callcore::session::room
