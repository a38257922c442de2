// How much one request may ask of the service: body bytes, texts and characters per text
// (the [limits] table of the server's config file, serve/serve_config.h).
#pragma once

#include <cstddef>

namespace guardian::api {

struct LimitsConfig {
  size_t max_body_bytes = 1 << 20;  // request body bytes (413 beyond)
  int max_inputs = 256;             // texts per request (413 beyond)
  int max_chars = 8192;             // Unicode characters per text (400 beyond)
};

}  // namespace guardian::api
