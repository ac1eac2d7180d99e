#include "callcore/session/consultation/params.hpp"

#include <cmath>

#include "callcore/base/json.hpp"

namespace callcore::session::consultation {

using nlohmann::json;

namespace {

// A positive number at `key` (absent or null: `fallback`), scaled by `unit_ms` into Ms.
std::optional<base::Ms> positive(const json& j, const char* key, base::Ms fallback, double unit_ms) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number() || !(it->get<double>() > 0)) return std::nullopt;
  return base::Ms(it->get<double>() * unit_ms);
}

}  // namespace

std::variant<Params, errors::CallError> parse_params(const json& j) {
  if (!j.is_object()) return errors::params_error("params must be an object");
  Params p;
  auto name = j.find("name");
  if (name == j.end() || !name->is_string()) return errors::params_error("name must be a string");
  p.name = name->get<std::string>();
  auto client_id = base::id_field(j, "clientId");
  if (!client_id) return errors::params_error("clientId must be a non-empty string or a number");
  p.client_id = *client_id;
  auto consultation = base::id_field(j, "consultationId");
  if (!consultation) return errors::params_error("consultationId must be a non-empty string or a number");
  p.consultation_id = *consultation;
  if (auto c = base::id_field(j, "connectionId")) p.connection_id = *c;
  if (auto it = j.find("connectionsId"); it != j.end() && it->is_array()) {
    for (const auto& id : *it) {
      if (id.is_string()) p.connections_id.push_back(id.get<std::string>());
    }
  }
  if (auto it = j.find("doctor"); it != j.end() && it->is_object()) p.doctor = base::flat_object(*it);
  if (auto it = j.find("isAudio"); it != j.end()) {
    if (!it->is_boolean()) return errors::params_error("isAudio must be a boolean");
    p.is_audio = it->get<bool>();
  }
  if (auto it = j.find("preconnect"); it != j.end()) {
    if (!it->is_boolean()) return errors::params_error("preconnect must be a boolean");
    p.preconnect = it->get<bool>();
  }
  if (auto it = j.find("videoStartBitrate"); it != j.end() && !it->is_null()) {
    constexpr double kMin = 100000, kMax = 10000000;  // bps
    const double bps = it->is_number() ? it->get<double>() : -1;
    if (bps != std::floor(bps) || !(bps == 0 || (bps >= kMin && bps <= kMax))) return errors::params_error("videoStartBitrate must be 0 or an integer from 100000 to 10000000 (bps)");
    p.video_start_bitrate_bps = static_cast<std::uint32_t>(bps);
  }
  constexpr double kSecond = 1000, kMs = 1;
  auto enter = positive(j, "enterTimeoutSecond", p.enter_timeout, kSecond);
  if (!enter) return errors::params_error("enterTimeoutSecond must be a positive number of seconds");
  p.enter_timeout = *enter;
  auto answer = positive(j, "answerTimeoutSecond", p.answer_timeout, kSecond);
  if (!answer) return errors::params_error("answerTimeoutSecond must be a positive number of seconds");
  p.answer_timeout = *answer;

  auto url = j.find("signalingUrl");
  // signalingUrl: one URL, or an array of 1 to 8 URLs of server processes that share
  // consultations (docs/scaling.md §5): the socket fails over to the next one after a drop.
  constexpr std::size_t kMaxUrls = 8;
  std::vector<std::string> urls;
  if (url != j.end() && url->is_array()) {
    if (url->empty() || url->size() > kMaxUrls)
      return errors::params_error("signalingUrl given as an array needs 1 to 8 URLs");
    for (const auto& u : *url) {
      if (!u.is_string() || u.get_ref<const std::string&>().empty())
        return errors::params_error("signalingUrl given as an array must hold non-empty strings");
      urls.push_back(u.get<std::string>());
    }
  } else if (url != j.end() && url->is_string() && !url->get_ref<const std::string&>().empty()) {
    urls.push_back(url->get<std::string>());
  }
  const bool has_url = !urls.empty();
  const bool send = base::bool_or(j, "hasSend", false);
  if (!has_url && !send)
    return errors::params_error(
        "no signaling transport: call configure({ signalingUrl }) or configure({ send }) once at app start, "
        "or pass signalingUrl or send in RTCParams");
  if (has_url && send) return errors::params_error("give only one of signalingUrl and send");
  if (has_url) {
    p.signaling_url = urls.front();
    p.signaling_alternates.assign(urls.begin() + 1, urls.end());
  }
  if (auto it = j.find("token"); it != j.end() && !it->is_null()) {
    constexpr std::size_t kMaxToken = 8192;
    if (!it->is_string() || it->get_ref<const std::string&>().size() > kMaxToken)
      return errors::params_error("token must be a string of at most 8192 characters");
    p.token = it->get<std::string>();
  }
  // A function getToken never reaches here (JSON drops functions); anything else is a mistake.
  if (auto it = j.find("getToken"); it != j.end() && !it->is_null())
    return errors::params_error("getToken must be a function returning the join token (or a Promise of it)");
  p.token_refresh = base::bool_or(j, "hasGetToken", false);
  if (send && p.connection_id.empty())
    return errors::params_error("connectionId is required when the portal owns the socket (send)");

  auto grace = positive(j, "iceDisconnectedGraceMs", p.ice.disconnected_grace, kMs);
  if (!grace) return errors::params_error("iceDisconnectedGraceMs must be a positive number of ms");
  p.ice.disconnected_grace = *grace;
  auto attempt = positive(j, "iceRestartTimeoutMs", p.ice.attempt_timeout, kMs);
  if (!attempt) return errors::params_error("iceRestartTimeoutMs must be a positive number of ms");
  p.ice.attempt_timeout = *attempt;
  auto cap = positive(j, "reconnectBackoffCapMs", p.reconnect_backoff.cap, kMs);
  if (!cap) return errors::params_error("reconnectBackoffCapMs must be a positive number of ms");
  p.reconnect_backoff.cap = *cap;
  if (auto it = j.find("iceRestartMaxAttempts"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > 100)
      return errors::params_error("iceRestartMaxAttempts must be an integer from 1 to 100");
    p.ice.max_attempts = it->get<int>();
  }
  if (auto it = j.find("randomSeed"); it != j.end() && it->is_number() && it->get<double>() >= 0 &&
                                      it->get<double>() < 1.8e19)
    p.random_seed = static_cast<std::uint64_t>(it->get<double>());
  return p;
}

}  // namespace callcore::session::consultation
