#include "callcore/signaling/sip/uri.hpp"

#include <cstring>

namespace callcore::signaling::sip {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool in(char c, const char* set) { return c != '\0' && std::strchr(set, c) != nullptr; }
// RFC 3261 §25.1 unreserved = alphanum / mark.
bool is_unreserved(char c) { return is_alnum(c) || in(c, "-_.!~*'()"); }

// Every character is unreserved, one of `extra`, or part of a %HH escape; non-empty unless
// `allow_empty`.
bool valid_escaped(std::string_view s, const char* extra, bool allow_empty = false) {
  if (s.empty()) return allow_empty;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
    } else if (!is_unreserved(c) && !in(c, extra)) {
      return false;
    }
  }
  return true;
}

// hostname / IPv4address / IPv6reference (RFC 3261 §25.1), checked loosely for the last two:
// a hostname is labels of alphanum and "-", separated by "." (a trailing "." allowed).
bool valid_host(std::string_view h) {
  if (h.empty()) return false;
  if (h.front() == '[') {
    if (h.size() < 4 || h.back() != ']') return false;
    for (char c : h.substr(1, h.size() - 2)) {
      if (!is_hex(c) && c != ':' && c != '.') return false;
    }
    return h.find(':') != std::string_view::npos;
  }
  std::size_t label = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    const char c = h[i];
    if (c == '.') {
      if (label == 0) return false;  // empty label
      label = 0;
      continue;
    }
    if (!is_alnum(c) && c != '-') return false;
    if (c == '-' && (label == 0 || i + 1 == h.size() || h[i + 1] == '.')) return false;  // no -edge-
    ++label;
  }
  return true;
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && is_hex(text[i + 1]) && is_hex(text[i + 2])) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::variant<Uri, std::string> parse_uri(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::string("no scheme");
  const std::string_view scheme = text.substr(0, colon);
  if (!is_alpha(scheme[0])) return std::string("bad scheme");
  for (char c : scheme) {
    if (!is_alnum(c) && !in(c, "+-.")) return std::string("bad scheme");
  }
  Uri uri;
  uri.scheme = to_lower(scheme);
  std::string_view rest = text.substr(colon + 1);
  if (!uri.is_sip()) {
    // absoluteURI's hier-part / opaque-part: no whitespace, controls, or characters that would
    // end the URI in a header ("<", ">", DQUOTE).
    if (rest.empty()) return std::string("empty URI after the scheme");
    for (char c : rest) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u >= 0x7F || in(c, "<>\"")) return std::string("bad character in URI");
    }
    uri.opaque = std::string(rest);
    return uri;
  }
  // userinfo: up to the only "@" (no "@" may appear unescaped elsewhere in a SIP URI).
  const std::size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    const std::size_t pw = userinfo.find(':');
    const std::string_view user = userinfo.substr(0, pw);
    // user = 1*(unreserved / escaped / user-unreserved), user-unreserved = & = + $ , ; ? /
    if (!valid_escaped(user, "&=+$,;?/")) return std::string("bad user");
    uri.user = std::string(user);
    if (pw != std::string_view::npos) {
      const std::string_view password = userinfo.substr(pw + 1);
      if (!valid_escaped(password, "&=+$,", true)) return std::string("bad password");
      uri.password = std::string(password);
    }
    rest = rest.substr(at + 1);
  }
  // hostport up to ";" or "?".
  const std::size_t end = rest.find_first_of(";?");
  std::string_view hostport = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  std::string_view host = hostport;
  const std::size_t close = hostport.rfind(']');
  const std::size_t port_colon = hostport.rfind(':');
  if (port_colon != std::string_view::npos && (close == std::string_view::npos || port_colon > close)) {
    host = hostport.substr(0, port_colon);
    const std::string_view port = hostport.substr(port_colon + 1);
    if (port.empty() || port.size() > 5) return std::string("bad port");
    unsigned value = 0;
    for (char c : port) {
      if (!is_digit(c)) return std::string("bad port");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return std::string("bad port");
    uri.port = static_cast<std::uint16_t>(value);
  }
  if (!valid_host(host)) return std::string("bad host");
  uri.host = std::string(host);
  // uri-parameters: ";" pname ["=" pvalue], paramchar = param-unreserved / unreserved / escaped,
  // param-unreserved = [ ] / : & + $
  while (!rest.empty() && rest.front() == ';') {
    rest.remove_prefix(1);
    const std::size_t stop = rest.find_first_of(";?");
    const std::string_view param = rest.substr(0, stop);
    rest = stop == std::string_view::npos ? std::string_view() : rest.substr(stop);
    const std::size_t eq = param.find('=');
    const std::string_view name = param.substr(0, eq);
    if (!valid_escaped(name, "[]/:&+$")) return std::string("bad URI parameter");
    Param p{std::string(name), std::nullopt};
    if (eq != std::string_view::npos) {
      const std::string_view value = param.substr(eq + 1);
      if (!valid_escaped(value, "[]/:&+$")) return std::string("bad URI parameter");
      p.value = std::string(value);
    }
    uri.params.push_back(std::move(p));
  }
  // headers: "?" hname "=" hvalue *("&" hname "=" hvalue), hnv-unreserved = [ ] / ? : + $
  if (!rest.empty()) {
    if (rest.front() != '?') return std::string("bad URI");
    rest.remove_prefix(1);
    while (true) {
      const std::size_t amp = rest.find('&');
      const std::string_view header = rest.substr(0, amp);
      const std::size_t eq = header.find('=');
      if (eq == std::string_view::npos) return std::string("bad URI header");
      const std::string_view name = header.substr(0, eq);
      const std::string_view value = header.substr(eq + 1);
      if (!valid_escaped(name, "[]/?:+$") || !valid_escaped(value, "[]/?:+$", true)) {
        return std::string("bad URI header");
      }
      uri.headers.emplace_back(std::string(name), std::string(value));
      if (amp == std::string_view::npos) break;
      rest = rest.substr(amp + 1);
    }
  }
  return uri;
}

std::string to_string(const Uri& uri) {
  std::string out = uri.scheme + ":";
  if (!uri.is_sip()) return out + uri.opaque;
  if (!uri.user.empty() || uri.password) {
    out += uri.user;
    if (uri.password) out += ":" + *uri.password;
    out += '@';
  }
  out += uri.host;
  if (uri.port) out += ":" + std::to_string(*uri.port);
  for (const auto& p : uri.params) {
    out += ';';
    out += p.name;
    if (p.value) out += "=" + *p.value;
  }
  for (std::size_t i = 0; i < uri.headers.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += uri.headers[i].first + "=" + uri.headers[i].second;
  }
  return out;
}

}  // namespace callcore::signaling::sip
