// embind bindings of the room's wasm module (the `callcore/room` entry point): the RoomSession
// (src/callcore/session/room/) through the shared SessionBinding (session_binding.hpp), plus the
// page-wide dictionary and logger. No call logic lives here.
#include <optional>
#include <string>

#include "session_binding.hpp"

#include "callcore/session/room/session.hpp"

namespace {

using namespace callcore;
using namespace callcore::bindings;
using nlohmann::json;

/// SessionBinding's maker: a room has no role (`role` is ignored).
std::variant<std::unique_ptr<session::room::RoomSession>, errors::CallError> make_room(std::string_view /*role*/,
                                                                                        const json& options,
                                                                                        log::Logger& logger,
                                                                                        base::Ms now) {
  return session::room::make_session(options, logger, now);
}

constexpr char kRoomKind[] = "room";
class Room : public SessionBinding<session::room::RoomSession, &make_room, kRoomKind> {
 public:
  using SessionBinding::SessionBinding;

  /// selectLayers(participantId (decimal text), substream, temporal, now): layers 0-2, a negative
  /// number for no limit. Returns the effects as a JSON array (drain()).
  std::string select_layers(const std::string& participant, double substream, double temporal, double now_ms) {
    if (!session()) return "[]";
    signaling::janus::Id id = 0;
    for (char c : participant) {
      if (c < '0' || c > '9' || id > (UINT64_MAX - 9) / 10) return "[]";
      id = id * 10 + static_cast<unsigned>(c - '0');
    }
    auto layer = [](double v) { return v >= 0 ? std::optional<int>(v > 2 ? 2 : static_cast<int>(v)) : std::nullopt; };
    // Not an input kind yet: the flight recorder sees its outputs as a drain step, and a replay
    // of a room is not supported (tools/replay.hpp).
    session()->select_layers(id, layer(substream), layer(temporal), base::Ms(now_ms));
    return drain(now_ms);
  }
};

}  // namespace

EMSCRIPTEN_BINDINGS(callcore_room) {
  bind_common();
  bind_session<Room>("Room").function("selectLayers", &Room::select_layers);
}
