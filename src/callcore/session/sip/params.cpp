// The user agent's parameters from JSON (sip-connector's connect() parameters, user_agent.hpp
// make_user_agent) and the extra header fields the app may add (JsSIP's "Name: value" strings).
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "callcore/base/backoff.hpp"
#include "callcore/base/json.hpp"
#include "callcore/session/sip/user_agent.hpp"
#include "callcore/signaling/sip/syntax.hpp"
#include "callcore/signaling/sip/uri.hpp"

namespace callcore::session::sip {

using json = nlohmann::json;

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// A string field: absent/null keeps `out`; anything but a UTF-8 string without CR/LF is an error.
std::optional<errors::CallError> read_string(const json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string() || !base::valid_utf8(it->get_ref<const std::string&>()) || has_line_break(it->get_ref<const std::string&>()) ||
      it->get_ref<const std::string&>().size() > 1024)
    return errors::params_error(fmt::format("{} must be a string of one line (at most 1024 bytes)", key));
  out = it->get<std::string>();
  return std::nullopt;
}

// A number of seconds in (0, max]: absent/null keeps `out`.
std::optional<errors::CallError> read_seconds(const json& j, const char* key, double max, double& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number() || !(it->get<double>() > 0) || it->get<double>() > max)
    return errors::params_error(fmt::format("{} must be a positive number of seconds (at most {})", key, max));
  out = it->get<double>();
  return std::nullopt;
}

}  // namespace

std::variant<std::vector<std::pair<std::string, std::string>>, errors::CallError> parse_extra_headers(const json& headers,
                                                                                                     std::string_view field) {
  std::vector<std::pair<std::string, std::string>> out;
  if (headers.is_null()) return out;
  const auto invalid = [&](std::string_view why) {
    return errors::params_error(fmt::format("{} must be an array of \"Name: value\" strings: {}", field, why));
  };
  if (!headers.is_array()) return invalid("not an array");
  if (headers.size() > 32) return invalid("more than 32");
  for (const auto& h : headers) {
    if (!h.is_string() || !base::valid_utf8(h.get_ref<const std::string&>())) return invalid("an element is not a UTF-8 string");
    const std::string& text = h.get_ref<const std::string&>();
    if (has_line_break(text)) return invalid("CR or LF in a header");
    if (text.size() > 1024) return invalid("a header longer than 1024 bytes");
    const auto colon = text.find(':');
    if (colon == std::string::npos) return invalid("no colon in \"" + base::utf8_prefix(text, 64) + "\"");
    std::string name = trim(std::string_view(text).substr(0, colon));
    if (!signaling::sip::is_token(name)) return invalid("\"" + base::utf8_prefix(name, 64) + "\" is not a header name");
    out.emplace_back(std::move(name), trim(std::string_view(text).substr(colon + 1)));
  }
  return out;
}

std::variant<std::unique_ptr<UserAgent>, errors::CallError> make_user_agent(std::string_view /*role*/, const json& j,
                                                                           log::Logger& logger, base::Ms now) {
  if (!j.is_object()) return errors::params_error("connect() parameters must be an object");
  UaConfig c;
  std::string server_url;
  for (auto [key, field] : {std::pair{"sipServerUrl", &server_url}, std::pair{"sipServerIp", &c.domain},
                            std::pair{"user", &c.user}, std::pair{"password", &c.password},
                            std::pair{"displayName", &c.display_name}, std::pair{"userAgent", &c.user_agent}}) {
    if (auto err = read_string(j, key, *field)) return *err;
  }
  if (server_url.empty()) return errors::params_error("sipServerUrl must be the SIP server's host, or a ws:// or wss:// URL");
  // sip-connector: the socket is wss://{sipServerUrl}/webrtc/wss/; a full URL is taken as is.
  c.url = server_url.starts_with("ws://") || server_url.starts_with("wss://") ? server_url
                                                                            : "wss://" + server_url + "/webrtc/wss/";
  if (c.domain.empty() || !std::holds_alternative<signaling::sip::Uri>(signaling::sip::parse_uri("sip:" + c.domain)))
    return errors::params_error("sipServerIp must be the SIP domain (a host name or address)");
  if (auto it = j.find("register"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return errors::params_error("register must be a boolean");
    c.register_ = it->get<bool>();
  }
  if (auto it = j.find("randomSeed"); it != j.end() && it->is_number() && it->get<double>() >= 0 && it->get<double>() < 1.8e19)
    c.random_seed = static_cast<std::uint64_t>(it->get<double>());
  if (c.user.empty()) {
    if (c.register_) return errors::params_error("user must be given to register (or register: false)");
    // sip-connector: an unregistered agent gets a random user in 100000-99999999.
    base::Random random(c.random_seed ^ 0x5349505553455221ULL);
    c.user = std::to_string(100000 + static_cast<std::uint64_t>(random.next_unit() * (99999999 - 100000 + 1)));
  }
  if (!std::holds_alternative<signaling::sip::Uri>(signaling::sip::parse_uri("sip:" + c.user + "@" + c.domain)))
    return errors::params_error("user must be the user part of a SIP URI (RFC 3261 §25.1)");
  for (auto& ch : c.display_name) {
    if (ch == ' ') ch = '_';  // sip-connector: spaces in the display name become '_'
  }
  double expires = c.register_expires;
  if (auto err = read_seconds(j, "registerExpires", 86400, expires)) return *err;
  c.register_expires = static_cast<std::uint32_t>(std::ceil(expires));
  std::string remote;
  if (auto err = read_string(j, "remoteAddress", remote)) return *err;
  if (!remote.empty()) c.register_headers.emplace_back("X-Vinteo-Remote", remote);
  if (auto it = j.find("extraHeaders"); it != j.end()) {
    auto extra = parse_extra_headers(*it, "extraHeaders");
    if (auto* err = std::get_if<errors::CallError>(&extra)) return *err;
    for (auto& h : std::get<0>(extra)) c.register_headers.push_back(std::move(h));
  }
  double min_s = c.reconnect_min.value / 1000, max_s = c.reconnect_max.value / 1000;
  if (auto err = read_seconds(j, "connectionRecoveryMinInterval", 3600, min_s)) return *err;
  if (auto err = read_seconds(j, "connectionRecoveryMaxInterval", 3600, max_s)) return *err;
  if (max_s < min_s) return errors::params_error("connectionRecoveryMaxInterval must not be below connectionRecoveryMinInterval");
  c.reconnect_min = base::Ms::seconds(min_s);
  c.reconnect_max = base::Ms::seconds(max_s);
  return std::make_unique<UserAgent>(std::move(c), logger, now);
}

}  // namespace callcore::session::sip
