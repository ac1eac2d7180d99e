// SIP's lexical rules (RFC 3261 §25.1): character classes, quoted strings with quoted-pairs,
// `;name=value` parameter lists, comma lists, and header names with their compact forms
// (RFC 3261 §7.3.3, §20). Everything here works on one header value whose line folding the
// message parser has already replaced by a single SP (RFC 3261 §7.3.1), so LWS is *(SP / HTAB).
// Nothing here throws; a malformed input yields nullopt / false.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callcore::signaling::sip {

/// RFC 3261 §25.1 `token` character: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" /
/// "'" / "~".
bool is_token_char(char c);
/// 1*token-char.
bool is_token(std::string_view s);
/// RFC 3261 §25.1 `word` character (token characters plus "(" ")" "<" ">" ":" "\" DQUOTE "/" "["
/// "]" "?" "{" "}"): the Call-ID alphabet.
bool is_word_char(char c);
/// SP or HTAB.
inline bool is_wsp(char c) { return c == ' ' || c == '\t'; }
/// ASCII case-insensitive equality (header and parameter names, schemes, methods in CSeq are not).
bool iequals(std::string_view a, std::string_view b);
/// ASCII lower-case copy.
std::string to_lower(std::string_view s);
/// `s` without leading and trailing SP/HTAB.
std::string_view trim(std::string_view s);

/// The content of a quoted-string given with its quotes (`"a \"b\""` → `a "b"`): quoted-pairs
/// (RFC 3261 §25.1 `quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)`) resolved; nullopt if `s` is
/// not exactly one well-formed quoted-string.
std::optional<std::string> unquote(std::string_view s);
/// `s` as a quoted-string: DQUOTE and backslash escaped with a backslash. `s` must not hold CR or
/// LF (they cannot be written in a header); returns nullopt then.
std::optional<std::string> quote(std::string_view s);

/// A cursor over one header value (folding already unfolded). Each reader advances only on
/// success.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  std::size_t pos() const { return pos_; }
  std::string_view rest() const { return text_.substr(pos_); }
  /// Moves back (or forward) to `pos`, at most to the end.
  void seek(std::size_t pos) { pos_ = pos < text_.size() ? pos : text_.size(); }
  /// Skips *(SP / HTAB) (SWS / LWS after unfolding); returns whether any was skipped.
  bool skip_ws();
  /// Consumes `c` if it is next (no whitespace skipped).
  bool consume(char c);
  /// SWS c SWS (RFC 3261 §25.1 SEMI, COMMA, EQUAL, SLASH, COLON).
  bool separator(char c);
  /// 1*token-char, or empty (nothing consumed).
  std::string_view token();
  /// One quoted-string, returned with its quotes and escapes as written; nullopt (nothing
  /// consumed) if the next character is not DQUOTE or the string is unterminated.
  std::optional<std::string_view> quoted_string();
  /// Characters while `pred` holds.
  template <typename Pred>
  std::string_view span(Pred pred) {
    const std::size_t start = pos_;
    while (!done() && pred(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

/// One `;name[=value]` parameter (RFC 3261 §25.1 generic-param / via-params / uri-parameter).
/// `value` is kept as written (a quoted-string keeps its quotes; a URI parameter keeps its
/// %-escapes) so a message re-serializes exactly; use param_value() for the unquoted text.
struct Param {
  std::string name;
  std::optional<std::string> value;
  friend bool operator==(const Param&, const Param&) = default;
};
using Params = std::vector<Param>;

/// The first parameter named `name` (case-insensitive), or nullptr.
const Param* find_param(const Params& params, std::string_view name);
/// The value of the first parameter named `name`, unquoted if it is a quoted-string; nullopt when
/// absent; "" when present without a value.
std::optional<std::string> param_value(const Params& params, std::string_view name);
/// Sets (replacing the first of that name) or appends `name=value` (value written as given).
void set_param(Params& params, std::string_view name, std::optional<std::string> value);
/// `;name=value;flag...` as written.
std::string params_to_string(const Params& params);

/// Reads `*(SEMI generic-param)` where `generic-param = token [EQUAL gen-value]` and
/// `gen-value = token / host / quoted-string` (RFC 3261 §25.1): appends to `out`; false if a
/// parameter is malformed. Stops (true) at the first character that does not start `;`.
bool read_generic_params(Scanner& s, Params& out);

/// Splits a header value at top-level commas (not inside a quoted-string or <...>), each part
/// trimmed (RFC 3261 §7.3.1: a comma list is equivalent to separate header lines). An empty part
/// yields nullopt (e.g. "a,,b").
std::optional<std::vector<std::string_view>> split_list(std::string_view value);

/// A header name in its canonical long form: compact forms expanded (RFC 3261 §7.3.3: i m e l c f
/// s k t v; RFC 3265 o u; RFC 3515 r; RFC 3892 b; RFC 4028 x), names this codec knows in their RFC
/// spelling (`call-id` → `Call-ID`, `www-authenticate` → `WWW-Authenticate`), others unchanged.
/// The caller has checked that `name` is a token.
std::string canonical_header_name(std::string_view name);

}  // namespace callcore::signaling::sip
