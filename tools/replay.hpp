// Replay of a flight recording (log/recorder.hpp) in a fresh core: every recorded session is
// made again with its kind, role, params and time, fed its steps in order, and each step's
// outputs are compared with the recorded ones (both redacted, log::redact). The core is
// deterministic (time and the random seed are inputs), so a faithful recording replays
// identically; a difference names the first step where it appears. docs/debugging.md.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace callcore::tools {

/// The outcome of one session's replay.
struct SessionReplay {
  std::uint32_t id = 0;
  std::string kind;
  std::string role;
  std::size_t steps = 0;       ///< steps replayed
  std::size_t identical = 0;   ///< of which the outputs matched the recording
  bool truncated = false;      ///< the recording stopped early (full)
  std::string first_difference;  ///< "" when every step matched; else the step and both outputs
};

/// The outcome of a replay: per session, and `error` when the report could not be read.
struct ReplayResult {
  std::vector<SessionReplay> sessions;
  std::string error;
  bool ok() const;  ///< no error, and every step of every session identical
};

/// Replays `report` — a logger.export() JSON (its `recording`) or a bare recording {sessions}.
/// Consultation sessions are replayed; a session of another kind (a room's: its selectLayers
/// calls are not inputs yet) is reported with first_difference "unknown session kind".
/// When `timeline` is given, prints one line per step: time from the session's start (ms),
/// session, op, the input's kind, then the outputs (effect kinds; events as emitType:eventType;
/// settle with its error type), and a summary per session. Never throws.
ReplayResult replay(const nlohmann::json& report, std::ostream* timeline);

}  // namespace callcore::tools
