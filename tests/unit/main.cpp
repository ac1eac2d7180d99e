// The Catch2 main, in its own translation unit so it is compiled once: a file that includes
// catch.hpp takes 10-20 s to compile under em++ on two cores.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
