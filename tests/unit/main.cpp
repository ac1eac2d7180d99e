// The Catch2 main, in its own translation unit so it is compiled once (TOOLCHAIN.md).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
