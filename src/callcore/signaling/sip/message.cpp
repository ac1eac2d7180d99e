#include "callcore/signaling/sip/message.hpp"

#include <utility>

#include "callcore/base/json.hpp"

namespace callcore::signaling::sip {

namespace {

enum class Kind { kList, kSingle, kOther };

// How parse() treats a header: the name-addr / Via lists are split, the single-valued ones are
// refused when repeated, the others are kept as written.
struct Rule {
  std::string_view name;
  Kind kind;
};
constexpr Rule kRules[] = {
    {"Via", Kind::kList},          {"Contact", Kind::kList},      {"Route", Kind::kList},
    {"Record-Route", Kind::kList}, {"From", Kind::kSingle},       {"To", Kind::kSingle},
    {"Call-ID", Kind::kSingle},    {"CSeq", Kind::kSingle},       {"Max-Forwards", Kind::kSingle},
    {"Expires", Kind::kSingle},    {"Content-Type", Kind::kSingle}, {"Content-Length", Kind::kSingle},
};

Kind kind_of(std::string_view canonical) {
  for (const auto& r : kRules) {
    if (r.name == canonical) return r.kind;
  }
  return Kind::kOther;
}

ParseError error(ParseErrorKind kind, std::string header, std::string message) {
  return ParseError{kind, std::move(header), std::move(message), std::nullopt};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The canonical text of one element of `name`, or nullopt when it breaks the header's grammar.
std::optional<std::string> canonical_value(const std::string& name, std::string_view value) {
  if (name == "Via") {
    auto via = parse_via(value);
    return via ? std::optional(to_string(*via)) : std::nullopt;
  }
  if (name == "From" || name == "To" || name == "Route" || name == "Record-Route" || name == "Contact") {
    auto addr = parse_name_addr(value, name == "Contact");
    if (!addr) return std::nullopt;
    if ((name == "Route" || name == "Record-Route") && (addr->star || !addr->angle)) {
      // route-param = name-addr (RFC 3261 §25.1): the brackets are required
      return std::nullopt;
    }
    return to_string(*addr);
  }
  if (name == "Call-ID") {
    return valid_call_id(value) ? std::optional(std::string(value)) : std::nullopt;
  }
  if (name == "CSeq") {
    auto cseq = parse_cseq(value);
    return cseq ? std::optional(to_string(*cseq)) : std::nullopt;
  }
  if (name == "Max-Forwards") {
    auto n = parse_number(value, 255);
    return n ? std::optional(std::to_string(*n)) : std::nullopt;
  }
  if (name == "Expires" || name == "Content-Length") {
    auto n = parse_number(value, 0xFFFFFFFFu);
    return n ? std::optional(std::to_string(*n)) : std::nullopt;
  }
  if (name == "Content-Type") {
    auto type = parse_media_type(value);
    return type ? std::optional(to_string(*type)) : std::nullopt;
  }
  return std::string(value);
}

struct RawHeader {
  std::string name;  // canonical
  std::string value;  // unfolded, trimmed
};

// A request's ReplyBasis from its raw headers, if they hold exactly what a response needs.
std::optional<ReplyBasis> reply_basis(std::string_view method, const std::vector<RawHeader>& raw) {
  if (!is_token(method) || method == "ACK") return std::nullopt;
  ReplyBasis basis;
  basis.method = std::string(method);
  int from = 0, to = 0, call_id = 0, cseq = 0;
  for (const auto& h : raw) {
    if (h.name == "Via") {
      auto parts = split_list(h.value);
      if (!parts) return std::nullopt;
      for (auto part : *parts) {
        auto via = parse_via(part);
        if (!via) return std::nullopt;
        basis.vias.push_back(std::move(*via));
      }
    } else if (h.name == "From" || h.name == "To") {
      auto addr = parse_name_addr(h.value);
      if (!addr) return std::nullopt;
      (h.name == "From" ? basis.from : basis.to) = std::move(*addr);
      ++(h.name == "From" ? from : to);
    } else if (h.name == "Call-ID") {
      if (!valid_call_id(h.value)) return std::nullopt;
      basis.call_id = h.value;
      ++call_id;
    } else if (h.name == "CSeq") {
      auto parsed = parse_cseq(h.value);
      if (!parsed) return std::nullopt;
      basis.cseq = std::move(*parsed);
      ++cseq;
    }
  }
  if (basis.vias.empty() || from != 1 || to != 1 || call_id != 1 || cseq != 1) return std::nullopt;
  return basis;
}

ParseResult parse_impl(std::string_view text, std::size_t max_bytes, std::vector<RawHeader>& raw,
                       std::string_view& start_line) {
  if (text.size() > max_bytes) {
    return error(ParseErrorKind::kTooLarge, "", "message of " + std::to_string(text.size()) + " bytes, above " +
                                                    std::to_string(max_bytes));
  }
  const std::size_t end = text.find("\r\n\r\n");
  if (end == std::string_view::npos) return error(ParseErrorKind::kTruncated, "", "no empty line after the headers");
  const std::string_view head = text.substr(0, end + 2);  // every line with its CRLF
  const std::string_view body = text.substr(end + 4);
  if (!base::valid_utf8(head)) return error(ParseErrorKind::kBadCharacter, "", "the header section is not UTF-8");
  // Lines: CR and LF only as CRLF; no control character but HTAB, except escaped by a
  // backslash (a quoted-pair may hold %x00-09 / %x0B-0C / %x0E-7F, RFC 3261 §25.1; RFC 4475
  // §3.1.1.2 has NUL, BEL and DEL so in a display name).
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < head.size();) {
    const std::size_t eol = head.find("\r\n", pos);
    const std::string_view line = head.substr(pos, eol - pos);
    for (std::size_t k = 0; k < line.size(); ++k) {
      const char c = line[k];
      const auto u = static_cast<unsigned char>(c);
      const bool escaped = k > 0 && line[k - 1] == '\\' && c != '\r' && c != '\n';
      if (((u < 0x20 && c != '\t') || u == 0x7F) && !escaped) {
        return error(ParseErrorKind::kBadCharacter, "", c == '\r' || c == '\n' ? "CR or LF outside CRLF"
                                                                                 : "control character in the header section");
      }
    }
    lines.push_back(line);
    pos = eol + 2;
  }
  start_line = lines.front();
  // Header lines, unfolded (RFC 3261 §7.3.1: a line starting with whitespace continues the last).
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (is_wsp(line.front())) {
      if (raw.empty()) return error(ParseErrorKind::kBadHeaderName, "", "a continuation line before any header");
      const std::string_view more = trim(line);
      if (!more.empty()) {
        auto& value = raw.back().value;
        if (!value.empty()) value += ' ';
        value += more;
      }
      continue;
    }
    const std::size_t colon = line.find(':');
    const std::string_view name = colon == std::string_view::npos ? line : trim(line.substr(0, colon));
    if (colon == std::string_view::npos || !is_token(name) || is_wsp(line.front())) {
      return error(ParseErrorKind::kBadHeaderName, "", "header line without a name and colon: " +
                                                           base::utf8_prefix(line, 40));
    }
    if (raw.size() >= kMaxHeaders) {
      return error(ParseErrorKind::kTooManyHeaders, "", "more than " + std::to_string(kMaxHeaders) + " headers");
    }
    raw.push_back({canonical_header_name(name), std::string(trim(line.substr(colon + 1)))});
  }

  Message msg;
  // Start line.
  if (iequals(start_line.substr(0, 4), "SIP/")) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    const std::string_view version = start_line.substr(0, start_line.find(' '));
    if (!iequals(version, kVersion)) {
      return error(ParseErrorKind::kBadVersion, "", "version " + base::utf8_prefix(version, 20));
    }
    const std::string_view rest = start_line.substr(std::min(start_line.size(), version.size() + 1));
    if (version.size() == start_line.size() || rest.size() < 3 || !is_digit(rest[0]) || !is_digit(rest[1]) ||
        !is_digit(rest[2]) || (rest.size() > 3 && rest[3] != ' ')) {
      return error(ParseErrorKind::kBadStatusCode, "", "no three-digit status code");
    }
    const int code = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
    if (code < 100 || code > 699) return error(ParseErrorKind::kBadStatusCode, "", "status code " + std::to_string(code));
    // A missing SP before an empty reason is accepted (RFC 3261 §25.1 requires it; being lenient costs nothing).
    msg.start = StatusLine{code, std::string(rest.size() > 4 ? rest.substr(4) : std::string_view())};
  } else {
    // Request-Line = Method SP Request-URI SP SIP-Version
    const std::size_t sp1 = start_line.find(' ');
    const std::size_t sp2 = start_line.rfind(' ');
    if (sp1 == std::string_view::npos || sp1 == sp2) {
      return error(ParseErrorKind::kBadStartLine, "", "not a Request-Line: " + base::utf8_prefix(start_line, 40));
    }
    const std::string_view method = start_line.substr(0, sp1);
    const std::string_view target = start_line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = start_line.substr(sp2 + 1);
    if (!is_token(method)) return error(ParseErrorKind::kBadStartLine, "", "method is not a token");
    if (version.empty()) return error(ParseErrorKind::kBadStartLine, "", "whitespace after the SIP-Version");
    if (target.empty() || target.find_first_of(" \t") != std::string_view::npos) {
      return error(ParseErrorKind::kBadStartLine, "", "whitespace in or around the Request-URI");
    }
    if (!iequals(version, kVersion)) {
      return error(ParseErrorKind::kBadVersion, "", "version " + base::utf8_prefix(version, 20));
    }
    auto uri = parse_uri(target);
    if (auto* why = std::get_if<std::string>(&uri)) return error(ParseErrorKind::kBadRequestUri, "", "Request-URI: " + *why);
    if (!std::get<Uri>(uri).headers.empty()) {
      return error(ParseErrorKind::kBadRequestUri, "", "Request-URI with headers (RFC 3261 §19.1.5)");
    }
    msg.start = RequestLine{std::string(method), std::move(std::get<Uri>(uri))};
  }

  // Header values.
  std::optional<std::uint32_t> content_length;
  for (const auto& h : raw) {
    const Kind kind = kind_of(h.name);
    std::vector<std::string_view> parts;
    if (kind == Kind::kList) {
      auto split = split_list(h.value);
      if (!split) return error(ParseErrorKind::kBadHeaderValue, h.name, h.name + ": empty list element");
      parts = std::move(*split);
    } else {
      parts.push_back(h.value);
    }
    for (auto part : parts) {
      auto value = canonical_value(h.name, part);
      if (!value) return error(ParseErrorKind::kBadHeaderValue, h.name, h.name + ": malformed value");
      if (kind == Kind::kSingle && msg.first(h.name)) {
        return error(ParseErrorKind::kDuplicateHeader, h.name, h.name + " given twice");
      }
      if (h.name == "Content-Length") {
        if (content_length) return error(ParseErrorKind::kDuplicateHeader, h.name, h.name + " given twice");
        content_length = parse_number(*value, 0xFFFFFFFFu);
        continue;  // serialize() writes it from the body
      }
      if (msg.headers.size() >= kMaxHeaders) {
        return error(ParseErrorKind::kTooManyHeaders, "", "more than " + std::to_string(kMaxHeaders) + " headers");
      }
      msg.headers.push_back({h.name, std::move(*value)});
    }
  }
  for (const char* required : {"Via", "From", "To", "Call-ID", "CSeq"}) {
    if (!msg.first(required)) return error(ParseErrorKind::kMissingHeader, required, std::string("no ") + required);
  }
  if (const auto* request = msg.request()) {
    if (msg.cseq()->method != request->method) {
      return error(ParseErrorKind::kMethodMismatch, "CSeq", "CSeq method " + msg.cseq()->method + " in a " +
                                                                request->method + " request");
    }
  }
  // RFC 3261 §18.3 for message-oriented transports (a WebSocket message is one, RFC 7118 §5.1):
  // octets beyond Content-Length are discarded; fewer octets than it announces is an error.
  if (content_length && *content_length > body.size()) {
    return error(ParseErrorKind::kContentLengthMismatch, "Content-Length",
                 "Content-Length " + std::to_string(*content_length) + " but the body has " +
                     std::to_string(body.size()) + " bytes");
  }
  msg.body = std::string(content_length ? body.substr(0, *content_length) : body);
  return msg;
}

template <typename T, typename F>
std::vector<T> all_parsed(const Message& m, std::string_view name, F parse_one) {
  std::vector<T> out;
  for (auto value : m.all(name)) {
    auto parts = split_list(value);
    if (!parts) continue;
    for (auto part : *parts) {
      if (auto v = parse_one(part)) out.push_back(std::move(*v));
    }
  }
  return out;
}

}  // namespace

std::string_view parse_error_name(ParseErrorKind kind) {
  switch (kind) {
    case ParseErrorKind::kTooLarge: return "tooLarge";
    case ParseErrorKind::kTooManyHeaders: return "tooManyHeaders";
    case ParseErrorKind::kTruncated: return "truncated";
    case ParseErrorKind::kBadCharacter: return "badCharacter";
    case ParseErrorKind::kBadStartLine: return "badStartLine";
    case ParseErrorKind::kBadVersion: return "badVersion";
    case ParseErrorKind::kBadRequestUri: return "badRequestUri";
    case ParseErrorKind::kBadStatusCode: return "badStatusCode";
    case ParseErrorKind::kBadHeaderName: return "badHeaderName";
    case ParseErrorKind::kBadHeaderValue: return "badHeaderValue";
    case ParseErrorKind::kMissingHeader: return "missingHeader";
    case ParseErrorKind::kDuplicateHeader: return "duplicateHeader";
    case ParseErrorKind::kMethodMismatch: return "methodMismatch";
    case ParseErrorKind::kContentLengthMismatch: return "contentLengthMismatch";
  }
  return "unknown";
}

ParseResult parse(std::string_view text, std::size_t max_bytes) {
  std::vector<RawHeader> raw;
  std::string_view start_line;
  ParseResult result = parse_impl(text, max_bytes, raw, start_line);
  if (auto* err = std::get_if<ParseError>(&result)) {
    const bool head_read = err->kind != ParseErrorKind::kTooLarge && err->kind != ParseErrorKind::kTruncated &&
                           err->kind != ParseErrorKind::kBadCharacter && err->kind != ParseErrorKind::kBadHeaderName &&
                           err->kind != ParseErrorKind::kTooManyHeaders;
    if (head_read && !iequals(start_line.substr(0, 4), "SIP/")) {
      err->reply = reply_basis(start_line.substr(0, start_line.find(' ')), raw);
    }
  }
  return result;
}

std::string serialize(const Message& message) {
  std::string out;
  out.reserve(256 + message.body.size());
  if (const auto* request = message.request()) {
    out += request->method + " " + to_string(request->uri) + " SIP/2.0\r\n";
  } else {
    const auto& status = std::get<StatusLine>(message.start);
    out += "SIP/2.0 " + std::to_string(status.code) + " " + status.reason + "\r\n";
  }
  for (const auto& h : message.headers) {
    if (iequals(h.name, "Content-Length") || iequals(h.name, "l")) continue;
    out += h.name + ": " + h.value + "\r\n";
  }
  out += "Content-Length: " + std::to_string(message.body.size()) + "\r\n\r\n";
  out += message.body;
  return out;
}

std::vector<std::string_view> Message::all(std::string_view name) const {
  const std::string canonical = canonical_header_name(name);
  std::vector<std::string_view> out;
  for (const auto& h : headers) {
    if (iequals(h.name, canonical)) out.emplace_back(h.value);
  }
  return out;
}

std::optional<std::string_view> Message::first(std::string_view name) const {
  const std::string canonical = canonical_header_name(name);
  for (const auto& h : headers) {
    if (iequals(h.name, canonical)) return std::string_view(h.value);
  }
  return std::nullopt;
}

void Message::add(std::string_view name, std::string value) {
  headers.push_back({canonical_header_name(name), std::move(value)});
}

std::size_t Message::remove(std::string_view name) {
  const std::string canonical = canonical_header_name(name);
  const auto before = headers.size();
  std::erase_if(headers, [&](const Header& h) { return iequals(h.name, canonical); });
  return before - headers.size();
}

std::vector<Via> Message::vias() const { return all_parsed<Via>(*this, "Via", parse_via); }

std::optional<NameAddr> Message::from() const {
  auto v = first("From");
  return v ? parse_name_addr(*v) : std::nullopt;
}

std::optional<NameAddr> Message::to() const {
  auto v = first("To");
  return v ? parse_name_addr(*v) : std::nullopt;
}

std::optional<std::string> Message::call_id() const {
  auto v = first("Call-ID");
  return v && valid_call_id(*v) ? std::optional(std::string(*v)) : std::nullopt;
}

std::optional<CSeq> Message::cseq() const {
  auto v = first("CSeq");
  return v ? parse_cseq(*v) : std::nullopt;
}

std::vector<NameAddr> Message::contacts() const {
  return all_parsed<NameAddr>(*this, "Contact", [](std::string_view v) { return parse_name_addr(v, true); });
}

std::vector<NameAddr> Message::routes() const {
  return all_parsed<NameAddr>(*this, "Route", [](std::string_view v) { return parse_name_addr(v); });
}

std::vector<NameAddr> Message::record_routes() const {
  return all_parsed<NameAddr>(*this, "Record-Route", [](std::string_view v) { return parse_name_addr(v); });
}

std::optional<std::uint32_t> Message::max_forwards() const {
  auto v = first("Max-Forwards");
  return v ? parse_number(*v, 255) : std::nullopt;
}

std::optional<std::uint32_t> Message::expires() const {
  auto v = first("Expires");
  return v ? parse_number(*v, 0xFFFFFFFFu) : std::nullopt;
}

std::optional<MediaType> Message::content_type() const {
  auto v = first("Content-Type");
  return v ? parse_media_type(*v) : std::nullopt;
}

Message make_response(const ReplyBasis& basis, int code, std::string reason, std::string_view to_tag) {
  Message out;
  out.start = StatusLine{code, std::move(reason)};
  for (const auto& via : basis.vias) out.add("Via", to_string(via));
  out.add("From", to_string(basis.from));
  NameAddr to = basis.to;
  if (to.tag().empty() && !to_tag.empty()) set_param(to.params, "tag", std::string(to_tag));
  out.add("To", to_string(to));
  out.add("Call-ID", basis.call_id);
  out.add("CSeq", to_string(basis.cseq));
  return out;
}

Message make_response(const Message& request, int code, std::string reason, std::string_view to_tag) {
  ReplyBasis basis;
  if (const auto* line = request.request()) basis.method = line->method;
  basis.vias = request.vias();
  basis.from = request.from().value_or(NameAddr{});
  basis.to = request.to().value_or(NameAddr{});
  basis.call_id = request.call_id().value_or("");
  basis.cseq = request.cseq().value_or(CSeq{});
  return make_response(basis, code, std::move(reason), to_tag);
}

}  // namespace callcore::signaling::sip
