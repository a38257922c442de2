// Shared helpers for the serve module's tests: the core tests' Scratch (a scratch folder that
// writes fixture files) and error_of (the message of an expected error).
#pragma once

#include <gtest/gtest.h>

#include "../core/test_helpers.h"

namespace guardian::serve::test {

using guardian::test::Scratch;
using guardian::test::error_of;

}  // namespace guardian::serve::test
