// A participant's mute state carried in its Janus VideoRoom display name (docs/room.md, "Mute
// visible to others").
//
// Janus 1.1.2 (Debian's) tells the others nothing when a publisher stops a stream with configure
// `streams: [{mid, send: false}]` (janus_videoroom.c only flips the stream's `active` flag), and
// its publishers have no `metadata` (added in 1.1.3+/1.2). What it does relay is the display
// name: a `configure` with a new `display` is pushed to every participant of the room as
// `{"videoroom":"event","id":…,"display":…}` (janus_videoroom_notify_participants), and every
// `joined` / `publishers` list carries the current display, so late joiners and rejoins see the
// state too. callcore appends the state to the name after a U+001F (ASCII unit separator), as a
// JSON object: `Иван\u001f{"audio":false,"video":true}`. A display without U+001F is a plain
// name with both kinds on (what other Janus clients send), and both on is sent as the plain name.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace callcore::session::room {

/// The separator between the name and the state in a display (U+001F UNIT SEPARATOR).
inline constexpr char kPresenceSeparator = '\x1f';
/// The longest state suffix read (bytes after the separator).
inline constexpr std::size_t kPresenceMaxBytes = 256;

/// A participant's name and whether it sends audio / video (enableAudio / enableVideo).
struct Presence {
  std::string name;    ///< the display name as the user gave it
  bool audio = true;   ///< false: enableAudio(false)
  bool video = true;   ///< false: enableVideo(false)
  bool operator==(const Presence&) const = default;
};

/// The display to send to Janus for `presence`: the name alone when both kinds are on, else
/// `name + U+001F + {"audio":bool,"video":bool}`. `name` must not contain U+001F (parse_config
/// refuses such a display option).
std::string encode_presence(const Presence& presence);

/// Reads a display received from Janus. No U+001F: {display, true, true}. Else the name is what
/// precedes the first U+001F and the rest must be a JSON object of at most kPresenceMaxBytes
/// whose `audio` / `video` members, when present, are booleans (absent: true; other members are
/// ignored). Returns the text of the rule broken (for a `roomError` + `messageRefused` log)
/// otherwise. Never throws.
std::variant<Presence, std::string> decode_presence(std::string_view display);

}  // namespace callcore::session::room
