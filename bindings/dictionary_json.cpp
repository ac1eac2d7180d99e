// Build tool: prints the core's dictionary with its TypeScript payload types as JSON, for
// scripts/dts.mjs to generate dist/callcore.d.ts (enums and EventDataMap) from:
//   {"groups": {GROUP: {KEY: value}}, "payloads": [{"group", "key", "type", "doc"}, ...]}
// Built from src/callcore/events/dictionary.cpp with CALLCORE_DICTIONARY_TYPES (the shipped wasm
// module is built without the types and docs) and run by node at build time.
#include <cstdio>
#include <string>
#include <string_view>

#include "callcore/events/dictionary.hpp"

namespace {

// A JSON string literal of `text` (RFC 8259 §7: quote, backslash and control characters escaped).
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

int main() {
  std::string groups, payloads;
  std::string_view group;
  for (const auto& e : callcore::events::dictionary()) {
    if (e.group != group) {
      if (!group.empty()) groups += "},";
      groups += quoted(e.group) + ":{";
      group = e.group;
    } else {
      groups += ",";
    }
    groups += quoted(e.key) + ":" + quoted(e.value);
    if (!e.payload.empty()) {
      if (!payloads.empty()) payloads += ",";
      payloads += "{\"group\":" + quoted(e.group) + ",\"key\":" + quoted(e.key) + ",\"type\":" + quoted(e.payload) +
                  ",\"doc\":" + quoted(e.doc) + "}";
    }
  }
  std::printf("{\"groups\":{%s}},\"payloads\":[%s]}\n", groups.c_str(), payloads.c_str());
  return 0;
}
