// Internal to the Janus codec (codec.cpp, videoroom.cpp): a field reader that records the first
// validation failure instead of throwing, and a writer that checks outgoing values the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "callcore/base/json.hpp"

#include <nlohmann/json.hpp>

#include "callcore/signaling/janus/codec.hpp"

namespace callcore::signaling::janus::detail {

using base::valid_utf8;  // base/json.hpp

/// Reads fields of received JSON objects. Every read checks presence, type and range; the first
/// failure is kept in `error` (code "invalidField" unless fail() is given another) and later
/// reads return their fallback, so a parser reads everything and checks `error` once at the end.
/// A member that is absent or null counts as absent. `where` names the object in messages,
/// e.g. "event.plugindata.data.publishers[1]".
class Reader {
 public:
  std::optional<DecodeError> error;

  /// Records `message` (under `code`) unless an earlier failure is recorded.
  void fail(std::string message, std::string_view code = "invalidField");

  /// The member, or nullptr when absent or null (`obj` must be an object).
  static const nlohmann::json* find(const nlohmann::json& obj, const char* key);

  /// A required id: an integer 1 to 2^64-1 read exactly; 0 after a failure.
  Id id(const nlohmann::json& obj, const char* key, std::string_view where);
  /// An optional id (absent → nullopt; present but not 1 to 2^64-1 → failure).
  std::optional<Id> optional_id(const nlohmann::json& obj, const char* key, std::string_view where);
  /// A string; required ones must be present, `nonempty` ones non-empty; at most `max_bytes`.
  std::string string(const nlohmann::json& obj, const char* key, std::string_view where, bool required,
                     bool nonempty = false, std::size_t max_bytes = SIZE_MAX);
  /// One of `allowed` (a required string).
  std::string one_of(const nlohmann::json& obj, const char* key, std::string_view where,
                     std::initializer_list<std::string_view> allowed);
  /// A boolean; `fallback` when absent and not required.
  bool boolean(const nlohmann::json& obj, const char* key, std::string_view where, bool required, bool fallback = false);
  /// An optional boolean.
  std::optional<bool> optional_boolean(const nlohmann::json& obj, const char* key, std::string_view where);
  /// An optional non-negative integer at most `max`.
  std::optional<std::uint64_t> optional_uint(const nlohmann::json& obj, const char* key, std::string_view where,
                                             std::uint64_t max);
  /// A required non-negative integer at most `max`; 0 after a failure.
  std::uint64_t uint(const nlohmann::json& obj, const char* key, std::string_view where, std::uint64_t max);
  /// A required object member; nullptr (and a failure) when absent or not an object.
  const nlohmann::json* object(const nlohmann::json& obj, const char* key, std::string_view where);
  /// An optional array member; nullptr when absent, a failure when not an array.
  const nlohmann::json* optional_array(const nlohmann::json& obj, const char* key, std::string_view where);
  /// App metadata: an object, or null when absent.
  nlohmann::json metadata(const nlohmann::json& obj, const char* key, std::string_view where);
};

/// Checks outgoing values; the first failure is kept in `error`.
class Writer {
 public:
  std::optional<EncodeError> error;

  /// Records an "invalidRequest" failure `message` unless `ok`.
  void require(bool ok, std::string_view message);
  /// `id` when it is >= 1, else records a failure naming `what`.
  Id id(Id id, std::string_view what);
  /// `text` when it is valid UTF-8 (and non-empty if `nonempty`), else records a failure.
  const std::string& text(const std::string& text, std::string_view what, bool nonempty = false);
};

/// The VideoRoom `body` of `request` (videoroom.cpp); failures go to `w`.
nlohmann::json videoroom_body(const videoroom::Request& request, Writer& w);
/// Whether `request` may carry a jsep: its required type ("offer"/"answer"), and whether required.
struct JsepRule {
  std::string_view type;  ///< "" when the request takes no jsep
  bool required = false;
};
JsepRule jsep_rule(const videoroom::Request& request);

/// The VideoRoom event of plugindata `data` (an object; `where` names it); nullopt with a
/// failure in `r` when it is not one.
std::optional<videoroom::Event> videoroom_event(const nlohmann::json& data, std::string_view where, Reader& r);

}  // namespace callcore::signaling::janus::detail
