// callcore_replay REPORT.json — replays a flight recording (a logger.export() file) in a fresh
// core and prints the timeline of each session: the outputs of every step, and whether they are
// the recorded ones. Exit status 0 when every step replayed identically, 1 when one differed,
// 2 when the file could not be read. Built natively (CMake) and as wasm for Node (the package's
// `npx callcore replay`). docs/debugging.md.
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "callcore/base/json.hpp"
#include "tools/replay.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: callcore replay REPORT.json   (REPORT.json: logger.export() of the page)\n";
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  if (!file) {
    std::cerr << "callcore replay: cannot read " << argv[1] << "\n";
    return 2;
  }
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto report = callcore::base::parse_json(text);
  if (report.is_discarded()) {
    std::cerr << "callcore replay: " << argv[1] << " is not JSON\n";
    return 2;
  }
  const auto result = callcore::tools::replay(report, &std::cout);
  if (!result.error.empty()) {
    std::cerr << "callcore replay: " << result.error << "\n";
    return 2;
  }
  for (const auto& s : result.sessions) {
    if (!s.first_difference.empty()) std::cout << "session " << s.id << " differs at " << s.first_difference << "\n";
  }
  std::cout << (result.ok() ? "replay: every step identical to the recording\n"
                            : "replay: the replay differs from the recording\n");
  return result.ok() ? 0 : 1;
}
