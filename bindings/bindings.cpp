// embind bindings: the sans-IO core exposed to JavaScript. Inputs and outputs cross the
// boundary as JSON text through the core's one codec (src/callcore/io/codec.hpp), one call per
// input. One templated binding per session kind (session_binding.hpp); no call logic lives here.
// This is the consultation's module; the room's is room_bindings.cpp (its own wasm module, so a
// page downloads only its product's code).
#include <string>
#include <vector>

#include "session_binding.hpp"

#include "callcore/session/consultation/session.hpp"
#include "callcore/session/consultation/warm_up.hpp"

namespace {

using namespace callcore;
using namespace callcore::bindings;
using nlohmann::json;

using session::consultation::ConsultationSession;
constexpr char kConsultationKind[] = "consultation";
class Consultation
    : public SessionBinding<ConsultationSession, &session::consultation::make_session, kConsultationKind> {
 public:
  using SessionBinding::SessionBinding;

  std::string create_publish_message(const std::string& type, const std::string& fields) const {
    if (!session()) return "{}";
    json f = base::parse_json(fields);
    return base::json_text(session()->create_publish_message(type, f.is_object() ? f : json::object()));
  }

  std::string create_transient_message(const std::string& connection_ids, const std::string& fields) const {
    if (!session()) return "{}";
    json ids = base::parse_json(connection_ids);
    std::vector<std::string> list;
    if (ids.is_array()) {
      for (const auto& id : ids) {
        if (id.is_string()) list.push_back(id.get<std::string>());
      }
    } else if (ids.is_string()) {
      list.push_back(ids.get<std::string>());
    }
    json f = base::parse_json(fields);
    return base::json_text(session()->create_transient_message(list, f.is_object() ? f : json::object()));
  }
};

}  // namespace

EMSCRIPTEN_BINDINGS(callcore) {
  bind_common();
  emscripten::function("warmUpConsultation", &session::consultation::warm_up);
  bind_session<Consultation>("Consultation")
      .function("createPublishMessage", &Consultation::create_publish_message)
      .function("createTransientMessage", &Consultation::create_transient_message);
}
