// How a session's steps are kept in the flight recording (log/recorder.hpp) and read back by the
// replay tool (tools/replay.cpp), so that a call's periodic statistics do not fill the bounded
// recording: at a 1 s stats interval a consultation used to fill the 4 MiB in ~15 minutes, and
// the hang-up at its end was then not recorded.
//
// Two rules, both lossless for a replay:
// - a `statsReport` input keeps, instead of `report`, `reportDelta`: the report's entries in
//   order, each with `id` and only the members that differ from the same entry of the previous
//   report of the same `pc` in this session (all members for a new entry; `"-": [names]` for
//   members gone). Entries no longer reported are simply not listed. expand() rebuilds the report
//   exactly.
// - the periodic stats outputs — the `stats` event and the `collectStats` effect — are kept as
//   `{kind, eventType?, digest}`: `digest` is 16 hex digits of the FNV-1a 64-bit hash of the
//   output's redacted JSON text (log::redact_in_place, base::json_text). The replay makes them
//   again from the inputs and compares digests (outputs_match). Every other output is kept whole.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace callcore::io {

/// The record side, one per session (io/json_session.hpp): remembers the last report of each
/// peer connection. Not thread-safe (one session is driven by one thread).
class RecordingCompactor {
 public:
  /// `in` (a decoded-as-JSON input) as recorded: a statsReport with an array `report` gets
  /// `reportDelta` instead; anything else is returned unchanged. `changed` is set when it was.
  nlohmann::json input(nlohmann::json in, bool& changed);
  /// `out` (the JSON array of a step's outputs) as recorded: periodic stats outputs become
  /// digests. `changed` is set when any did.
  static nlohmann::json outputs(nlohmann::json out, bool& changed);

 private:
  std::map<std::int64_t, nlohmann::json> last_report_;  // by pc id
};

/// The replay side, one per replayed session: the inverse of RecordingCompactor::input.
class RecordingExpander {
 public:
  /// `in` with `reportDelta` turned back into `report` (using the previous report of its pc);
  /// any other input is returned unchanged. A delta naming no previous entry is taken as whole.
  nlohmann::json input(nlohmann::json in);

 private:
  std::map<std::int64_t, nlohmann::json> last_report_;
};

/// `{kind, eventType?, digest}` of one output (see the header); the output is redacted first.
nlohmann::json digest_output(const nlohmann::json& output);

/// Whether replayed outputs (a JSON array, already redacted) are the recorded ones (a JSON array
/// as RecordingCompactor::outputs kept them): equal element by element, a digest compared with
/// the digest of the replayed element.
bool outputs_match(const nlohmann::json& recorded, const nlohmann::json& replayed);

}  // namespace callcore::io
