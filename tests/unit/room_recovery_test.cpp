#include "room_driver.hpp"
