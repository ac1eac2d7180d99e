// A core-side warm-up: one whole consultation call between two in-memory sessions, for the page
// to run while it is idle after import. The first passes through the core's code are several
// times slower than later ones (the engine compiles wasm functions with its baseline compiler on
// first use and optimizes hot ones in background threads after a few calls); running them before
// the first real call keeps that out of its setup time (docs/benchmarks.md, "Call setup latency").
#pragma once

namespace callcore::session::consultation {

/// Runs one call (doctor calls, client answers, offer/answer with candidates, connected, media
/// tags, hang up) between two sessions in portal-socket mode, with a scripted browser and server
/// between them; every effect is encoded by the core's JSON codec as for the real shell. Uses a
/// logger of its own, so the page's log is untouched. Returns the number of inputs handled when
/// the call went through (the doctor connected, then hung up), else 0; bounded to 400 inputs.
/// Never throws.
int warm_up();

}  // namespace callcore::session::consultation
