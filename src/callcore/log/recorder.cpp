#include "callcore/log/recorder.hpp"

#include <algorithm>
#include <utility>

#include "callcore/log/logger.hpp"

namespace callcore::log {

Recorder::Recorder(std::size_t capacity_bytes) : capacity_(std::max<std::size_t>(capacity_bytes, 1)) {}

Recorder::Session* Recorder::find(std::uint32_t id) {
  for (auto& s : sessions_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

bool Recorder::make_room(std::size_t bytes) {
  while (bytes_ + bytes > capacity_) {
    auto ended = std::find_if(sessions_.begin(), sessions_.end(), [](const Session& s) { return s.ended; });
    if (ended == sessions_.end()) return false;
    bytes_ -= ended->bytes;
    sessions_.erase(ended);
    ++dropped_sessions_;
  }
  return true;
}

std::uint32_t Recorder::begin(std::string_view kind, std::string_view role, nlohmann::json params, double created_ms,
                              nlohmann::json error, std::size_t bytes) {
  Session s;
  s.id = next_id_++;
  s.kind = kind;
  s.role = std::string(role);
  s.params = std::move(params);
  s.created_ms = created_ms;
  s.error = std::move(error);
  s.bytes = bytes + s.role.size();
  if (make_room(s.bytes)) {
    bytes_ += s.bytes;
  } else {
    s.truncated = true;  // no room even for the start: the session is listed, with no steps
    s.bytes = 0;
  }
  sessions_.push_back(std::move(s));
  return sessions_.back().id;
}

void Recorder::step(std::uint32_t id, double time_ms, std::string_view op, nlohmann::json in, nlohmann::json out,
                    std::size_t bytes) {
  Session* s = find(id);
  if (!s || s->truncated) return;
  if (!make_room(bytes)) {
    s = find(id);  // make_room may have moved sessions
    if (s) s->truncated = true;
    return;
  }
  s = find(id);
  if (!s) return;
  s->steps.push_back(Step{time_ms, op, std::move(in), std::move(out)});
  s->bytes += bytes;
  bytes_ += bytes;
}

void Recorder::end(std::uint32_t id) {
  if (Session* s = find(id)) s->ended = true;
}

nlohmann::json Recorder::to_json() const {
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& s : sessions_) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& st : s.steps) steps.push_back({{"t", st.time_ms}, {"op", st.op}, {"in", st.in}, {"out", st.out}});
    nlohmann::json j = {{"id", s.id},           {"kind", s.kind},   {"role", s.role},
                        {"params", s.params},   {"created", s.created_ms}, {"ended", s.ended},
                        {"truncated", s.truncated}, {"steps", std::move(steps)}};
    if (!s.error.is_null()) j["error"] = s.error;
    redact_in_place(j);  // secrets never leave the recorder (see the header)
    sessions.push_back(std::move(j));
  }
  return {{"capacity", capacity_},
          {"bytes", bytes_},
          {"droppedSessions", dropped_sessions_},
          {"sessions", std::move(sessions)}};
}

void Recorder::clear() {
  std::erase_if(sessions_, [](const Session& s) { return s.ended; });
  bytes_ = 0;
  for (const auto& s : sessions_) bytes_ += s.bytes;
  dropped_sessions_ = 0;
}

}  // namespace callcore::log
