// Warm-up passes of the core after import, one per task so that none blocks the page for long.
// Each runs a whole in-memory call inside the wasm core (warm_up(), src/callcore/session/
// consultation/warm_up.hpp): the first passes through the core's code are several times slower
// than later ones, and doing them while the page is idle keeps that out of the first real call's
// setup (docs/benchmarks.md, "Call setup latency"). One pass left the first real call's core
// work ~1.7x slower than four do; six gave the same figures as four (bench/notes.md).
import { core } from '../core.js';

const WARM_UP_PASSES = 4;

let left = WARM_UP_PASSES;
const next = () => {
  try {
    core.warmUpConsultation();
  } catch {
    return; // a colder first call, nothing worse
  }
  if (--left > 0) setTimeout(next, 0);
};
setTimeout(next, 0);
