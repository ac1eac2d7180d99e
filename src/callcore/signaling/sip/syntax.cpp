#include "callcore/signaling/sip/syntax.hpp"

#include <array>
#include <cstring>
#include <utility>

namespace callcore::signaling::sip {

namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// gen-value's host alternative adds ":" "[" "]" (IPv6 references) to the token alphabet.
bool is_gen_value_char(char c) { return is_token_char(c) || c == ':' || c == '[' || c == ']'; }

}  // namespace

bool is_token_char(char c) { return is_alnum(c) || (c != '\0' && std::strchr("-.!%*_+`'~", c) != nullptr); }

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

bool is_word_char(char c) { return is_token_char(c) || (c != '\0' && std::strchr("()<>:\\\"/[]?{}", c) != nullptr); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<std::string> unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') return std::nullopt;  // an unescaped quote inside
    if (c == '\\') {
      if (i + 2 >= s.size()) return std::nullopt;  // the closing quote was escaped
      const char n = s[++i];
      if (n == '\r' || n == '\n' || static_cast<unsigned char>(n) > 0x7F) return std::nullopt;
      out.push_back(n);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string> quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\r' || c == '\n') return std::nullopt;
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

bool Scanner::skip_ws() {
  const std::size_t start = pos_;
  while (!done() && is_wsp(text_[pos_])) ++pos_;
  return pos_ != start;
}

bool Scanner::consume(char c) {
  if (done() || text_[pos_] != c) return false;
  ++pos_;
  return true;
}

bool Scanner::separator(char c) {
  const std::size_t start = pos_;
  skip_ws();
  if (!consume(c)) {
    pos_ = start;
    return false;
  }
  skip_ws();
  return true;
}

std::string_view Scanner::token() { return span(is_token_char); }

std::optional<std::string_view> Scanner::quoted_string() {
  if (peek() != '"') return std::nullopt;
  std::size_t i = pos_ + 1;
  while (i < text_.size()) {
    const char c = text_[i];
    if (c == '"') {
      const std::string_view out = text_.substr(pos_, i + 1 - pos_);
      pos_ = i + 1;
      return out;
    }
    if (c == '\\') {
      if (i + 1 >= text_.size()) return std::nullopt;
      const auto n = static_cast<unsigned char>(text_[i + 1]);
      if (n == '\r' || n == '\n' || n > 0x7F) return std::nullopt;
      i += 2;
      continue;
    }
    ++i;
  }
  return std::nullopt;
}

const Param* find_param(const Params& params, std::string_view name) {
  for (const auto& p : params) {
    if (iequals(p.name, name)) return &p;
  }
  return nullptr;
}

std::optional<std::string> param_value(const Params& params, std::string_view name) {
  const Param* p = find_param(params, name);
  if (p == nullptr) return std::nullopt;
  if (!p->value) return std::string();
  if (!p->value->empty() && p->value->front() == '"') {
    if (auto text = unquote(*p->value)) return text;
  }
  return *p->value;
}

void set_param(Params& params, std::string_view name, std::optional<std::string> value) {
  for (auto& p : params) {
    if (iequals(p.name, name)) {
      p.value = std::move(value);
      return;
    }
  }
  params.push_back({std::string(name), std::move(value)});
}

std::string params_to_string(const Params& params) {
  std::string out;
  for (const auto& p : params) {
    out += ';';
    out += p.name;
    if (p.value) {
      out += '=';
      out += *p.value;
    }
  }
  return out;
}

bool read_generic_params(Scanner& s, Params& out) {
  while (s.separator(';')) {
    const std::string_view name = s.token();
    if (name.empty()) return false;
    Param param{std::string(name), std::nullopt};
    if (s.separator('=')) {
      if (s.peek() == '"') {
        const auto q = s.quoted_string();
        if (!q) return false;
        param.value = std::string(*q);
      } else {
        const std::string_view value = s.span(is_gen_value_char);
        if (value.empty()) return false;
        param.value = std::string(value);
      }
    }
    out.push_back(std::move(param));
  }
  return true;
}

std::optional<std::vector<std::string_view>> split_list(std::string_view value) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  bool quoted = false;
  int angle = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || (!quoted && angle == 0 && value[i] == ',')) {
      const std::string_view part = trim(value.substr(start, i - start));
      if (part.empty()) return std::nullopt;
      parts.push_back(part);
      start = i + 1;
      continue;
    }
    const char c = value[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == '<') {
      ++angle;
    } else if (c == '>' && angle > 0) {
      --angle;
    }
  }
  return parts;
}

std::string canonical_header_name(std::string_view name) {
  if (name.size() == 1) {
    static constexpr std::array<std::pair<char, const char*>, 15> kCompact{{
        {'i', "Call-ID"}, {'m', "Contact"}, {'e', "Content-Encoding"}, {'l', "Content-Length"},
        {'c', "Content-Type"}, {'f', "From"}, {'s', "Subject"}, {'k', "Supported"}, {'t', "To"},
        {'v', "Via"}, {'o', "Event"}, {'u', "Allow-Events"}, {'r', "Refer-To"}, {'b', "Referred-By"},
        {'x', "Session-Expires"},
    }};
    for (const auto& [c, full] : kCompact) {
      if (lower(name[0]) == c) return full;
    }
    return std::string(name);
  }
  static constexpr std::array<const char*, 40> kKnown{
      "Accept", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow", "Allow-Events",
      "Authentication-Info", "Authorization", "Call-ID", "Call-Info", "Contact", "Content-Disposition",
      "Content-Encoding", "Content-Language", "Content-Length", "Content-Type", "CSeq", "Date", "Event",
      "Expires", "From", "Max-Forwards", "Min-Expires", "Proxy-Authenticate", "Proxy-Authorization",
      "Proxy-Require", "Record-Route", "Refer-To", "Referred-By", "Require", "Retry-After", "Route",
      "Server", "Session-Expires", "Subject", "Supported", "To", "User-Agent", "Via", "WWW-Authenticate"};
  for (const char* known : kKnown) {
    if (iequals(name, known)) return known;
  }
  return std::string(name);
}

}  // namespace callcore::signaling::sip
