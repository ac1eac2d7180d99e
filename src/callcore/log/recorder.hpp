// Flight recorder: every session's inputs as they crossed the JSON boundary, with their time and
// the outputs they produced, so a support engineer can replay a user's failed call in a fresh core
// (tools/replay.cpp; docs/debugging.md). The core is deterministic — time and randomness are
// inputs (the seed is in the params) — so the same steps give the same outputs.
//
// Bounded by bytes. Steps are stored as given — recording costs a move, not a copy — and
// secrets are redacted when the recording leaves the recorder (to_json(), log::redact), in
// params, inputs and outputs alike, so an export never holds them and a replay compares redacted
// outputs with redacted outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>
#include <string_view>

#include <nlohmann/json.hpp>

namespace callcore::log {

class Recorder {
 public:
  /// One recorded call into a session: `op` "input" (a JSON input, io/codec.hpp) or "drain"
  /// (outputs taken without an input, e.g. the constructor's); `time_ms` the shell's clock (ms
  /// since the Unix epoch in the browser); `in` the input as given, `out` the JSON array of
  /// outputs it produced.
  struct Step {
    double time_ms = 0;
    std::string_view op;
    nlohmann::json in;
    nlohmann::json out;
  };
  /// A session from its construction: `kind` ("consultation", ...), `role`, `params` and
  /// `created_ms` as given to the constructor, `error` the CallError JSON when construction
  /// failed (null otherwise); `ended` once the shell deleted it; `truncated` when steps were
  /// refused for want of room (the recording then stops at the last step kept).
  struct Session {
    std::uint32_t id = 0;
    std::string_view kind;
    std::string role;
    nlohmann::json params;
    double created_ms = 0;
    nlohmann::json error;
    std::vector<Step> steps;
    std::size_t bytes = 0;
    bool ended = false;
    bool truncated = false;
  };

  /// `capacity_bytes`: the most the recording holds, counted as the JSON text length of inputs,
  /// outputs and params (>= 1).
  explicit Recorder(std::size_t capacity_bytes = kDefaultCapacityBytes);

  static constexpr std::size_t kDefaultCapacityBytes = 4u << 20;  // 4 MiB

  /// Starts a session's recording; returns its id (1, 2, ... in creation order). `bytes`: the
  /// size of the params text.
  std::uint32_t begin(std::string_view kind, std::string_view role, nlohmann::json params, double created_ms,
                      nlohmann::json error, std::size_t bytes);
  /// Records one step of session `id`; `bytes` is its size (input and output text). When the
  /// recording is full, ended sessions are dropped oldest first to make room; if that is not
  /// enough the step is refused and the session marked truncated.
  void step(std::uint32_t id, double time_ms, std::string_view op, nlohmann::json in, nlohmann::json out,
            std::size_t bytes);
  /// The session was deleted by the shell.
  void end(std::uint32_t id);

  /// {capacity, bytes, droppedSessions, sessions: [{id, kind, role, params, created, error?,
  /// ended, truncated, steps: [{t, op, in, out}]}]}, oldest session first, redacted
  /// (log::redact_in_place).
  nlohmann::json to_json() const;
  std::size_t bytes() const { return bytes_; }
  std::uint64_t dropped_sessions() const { return dropped_sessions_; }
  /// Drops the recordings of ended sessions; live ones keep theirs (a replay needs a session
  /// from its start).
  void clear();

 private:
  Session* find(std::uint32_t id);
  bool make_room(std::size_t bytes);

  std::size_t capacity_;
  std::size_t bytes_ = 0;
  std::uint32_t next_id_ = 1;
  std::uint64_t dropped_sessions_ = 0;
  std::vector<Session> sessions_;
};

}  // namespace callcore::log
