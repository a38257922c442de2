// Precompiled header for the torch half of the library (see CMakeLists.txt).
#pragma once
#include <torch/torch.h>
