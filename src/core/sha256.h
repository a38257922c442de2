// SHA-256 (FIPS 180-4) of a byte string, as lowercase hex: how the audit log stores a text it
// may not keep, and how API keys are named in logs without revealing them.
#pragma once

#include <string>
#include <string_view>

namespace guardian::core {

// 64 lowercase hex digits.
std::string sha256_hex(std::string_view bytes);

}  // namespace guardian::core
