#include "callcore/signaling/sip/headers.hpp"

#include <variant>

namespace callcore::signaling::sip {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::optional<Uri> sip_or_absolute_uri(std::string_view text) {
  auto parsed = parse_uri(text);
  if (auto* uri = std::get_if<Uri>(&parsed)) return std::move(*uri);
  return std::nullopt;
}

}  // namespace

std::optional<std::uint16_t> Via::rport() const {
  const Param* p = find_param(params, "rport");
  if (p == nullptr) return std::nullopt;
  if (!p->value) return 0;
  const auto n = parse_number(*p->value, 65535);
  return n ? std::optional<std::uint16_t>(static_cast<std::uint16_t>(*n)) : std::nullopt;
}

std::optional<std::uint32_t> parse_number(std::string_view value, std::uint32_t max) {
  if (value.empty()) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : value) {
    if (!is_digit(c)) return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
    if (n > max) return std::nullopt;
  }
  return static_cast<std::uint32_t>(n);
}

std::optional<Via> parse_via(std::string_view value) {
  Scanner s(trim(value));
  Via via;
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport (SWS around slashes)
  const auto name = s.token();
  if (name.empty() || !s.separator('/')) return std::nullopt;
  const auto version = s.token();
  if (version.empty() || !s.separator('/')) return std::nullopt;
  const auto transport = s.token();
  if (transport.empty() || !s.skip_ws()) return std::nullopt;  // LWS before sent-by
  via.protocol = std::string(name);
  via.version = std::string(version);
  via.transport = to_upper(transport);
  // sent-by = host [COLON port]
  std::string_view host;
  if (s.peek() == '[') {
    host = s.span([](char c) { return c != ']'; });
    if (!s.consume(']')) return std::nullopt;
    via.host = std::string(host) + "]";
  } else {
    host = s.span([](char c) { return is_token_char(c); });
    via.host = std::string(host);
  }
  if (via.host.empty()) return std::nullopt;
  auto host_uri = parse_uri("sip:" + via.host);
  if (!std::holds_alternative<Uri>(host_uri) || !std::get<Uri>(host_uri).params.empty()) return std::nullopt;
  if (s.separator(':')) {
    const auto port = parse_number(s.span(is_digit), 65535);
    if (!port || *port == 0) return std::nullopt;
    via.port = static_cast<std::uint16_t>(*port);
  }
  if (!read_generic_params(s, via.params)) return std::nullopt;
  s.skip_ws();
  if (!s.done()) return std::nullopt;
  if (auto rport = find_param(via.params, "rport"); rport && rport->value && !via.rport()) return std::nullopt;
  return via;
}

std::string to_string(const Via& via) {
  std::string out = via.protocol + "/" + via.version + "/" + via.transport + " " + via.host;
  if (via.port) out += ":" + std::to_string(*via.port);
  return out + params_to_string(via.params);
}

std::string NameAddr::display_name() const {
  if (!display.empty() && display.front() == '"') return unquote(display).value_or(display);
  return display;
}

std::optional<NameAddr> parse_name_addr(std::string_view value, bool allow_star) {
  value = trim(value);
  NameAddr out;
  if (allow_star && value == "*") {
    out.star = true;
    out.angle = false;
    out.uri = Uri{};
    return out;
  }
  Scanner s(value);
  // Find "<" outside a quoted string: the name-addr form.
  std::size_t lt = std::string_view::npos;
  {
    bool quoted = false;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const char c = value[i];
      if (quoted) {
        if (c == '\\') ++i;
        else if (c == '"') quoted = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == '<') {
        lt = i;
        break;
      } else if (c == ';') {
        break;  // addr-spec's parameters begin: a later "<" is not ours
      }
    }
  }
  std::string_view uri_text;
  if (lt != std::string_view::npos) {
    const std::string_view display = trim(value.substr(0, lt));
    if (!display.empty()) {
      if (display.front() == '"') {
        Scanner d(display);
        const auto q = d.quoted_string();
        if (!q || !d.done()) return std::nullopt;
        out.display = std::string(*q);
      } else {
        // *(token LWS): tokens separated by whitespace, kept joined by one SP.
        Scanner d(display);
        while (!d.done()) {
          const auto t = d.token();
          if (t.empty()) return std::nullopt;
          if (!out.display.empty()) out.display += ' ';
          out.display += t;
          d.skip_ws();
        }
      }
    }
    const std::size_t gt = value.find('>', lt);
    if (gt == std::string_view::npos) return std::nullopt;
    uri_text = value.substr(lt + 1, gt - lt - 1);
    s = Scanner(value.substr(gt + 1));
    out.angle = true;
  } else {
    // addr-spec: the URI ends at the first ";" (RFC 3261 §20.10: its own parameters would need <>)
    const std::size_t semi = value.find(';');
    uri_text = trim(value.substr(0, semi));
    s = Scanner(semi == std::string_view::npos ? std::string_view() : value.substr(semi));
    out.angle = false;
  }
  auto uri = sip_or_absolute_uri(uri_text);
  if (!uri) return std::nullopt;
  if (!out.angle) {
    // Without brackets the URI cannot hold "?" or "," (RFC 3261 §20.10) and may not look like a
    // display name ("sip:a@b" never does).
    if (!uri->headers.empty() || uri_text.find_first_of(",? ") != std::string_view::npos) return std::nullopt;
  }
  out.uri = std::move(*uri);
  if (!read_generic_params(s, out.params)) return std::nullopt;
  s.skip_ws();
  if (!s.done()) return std::nullopt;
  return out;
}

std::string to_string(const NameAddr& addr) {
  if (addr.star) return "*";
  std::string out;
  const std::string uri = to_string(addr.uri);
  // Keep the addr-spec form only when it reads back the same (no parameters or separators).
  const bool bare = !addr.angle && addr.display.empty() && uri.find_first_of(";?, ") == std::string::npos;
  if (bare) {
    out = uri;
  } else {
    if (!addr.display.empty()) out = addr.display + " ";
    out += "<" + uri + ">";
  }
  return out + params_to_string(addr.params);
}

std::optional<CSeq> parse_cseq(std::string_view value) {
  Scanner s(trim(value));
  const auto number = parse_number(s.span(is_digit), kMaxCSeq);
  if (!number || !s.skip_ws()) return std::nullopt;
  const auto method = s.token();
  if (method.empty() || !s.done()) return std::nullopt;
  return CSeq{*number, std::string(method)};
}

std::string to_string(const CSeq& cseq) { return std::to_string(cseq.number) + " " + cseq.method; }

bool valid_call_id(std::string_view value) {
  if (value.empty()) return false;
  const std::size_t at = value.find('@');
  auto word = [](std::string_view w) {
    if (w.empty()) return false;
    for (char c : w) {
      if (!is_word_char(c)) return false;
    }
    return true;
  };
  if (at == std::string_view::npos) return word(value);
  return word(value.substr(0, at)) && word(value.substr(at + 1));
}

std::optional<MediaType> parse_media_type(std::string_view value) {
  Scanner s(trim(value));
  const auto type = s.token();
  if (type.empty() || !s.separator('/')) return std::nullopt;
  const auto subtype = s.token();
  if (subtype.empty()) return std::nullopt;
  MediaType out{to_lower(type), to_lower(subtype), {}};
  if (!read_generic_params(s, out.params)) return std::nullopt;
  s.skip_ws();
  if (!s.done()) return std::nullopt;
  return out;
}

std::string to_string(const MediaType& media_type) {
  return media_type.type + "/" + media_type.subtype + params_to_string(media_type.params);
}

}  // namespace callcore::signaling::sip
