// Requests and answers of the service as plain data (no HTTP library), and the checks every
// scoring request goes through: UTF-8, JSON, the shape of "input" and the limits.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/limits_config.h"

namespace guardian::api {

struct ApiRequest {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // "/v1/moderations"
  std::string body;                            // raw bytes
  std::string api_key;                         // as presented (see presented_key), or ""
  std::map<std::string, std::string> query;    // URL query parameters
};

struct ApiResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Retry-After, ...)
};

// A 4xx/5xx answer decided while handling a request; serve::Service::handle turns it into JSON.
struct RequestError {
  int status;           // HTTP status
  std::string message;  // what is wrong, for the client
  std::string param;    // the request field at fault, or ""
};

// {"error": {"message", "type", "param"?}} with an OpenAI-style type for the status.
ApiResponse error_response(int status, const std::string& message, const std::string& param = "");
ApiResponse json_response(int status, const nlohmann::json& body);

// The body as a JSON object; RequestError 400 on invalid UTF-8, invalid JSON or another type.
nlohmann::json parse_object(const std::string& body);
// body[field] as a string, "" when absent or null; RequestError 400 on another type.
std::string optional_string(const nlohmann::json& body, const char* field);
// The texts of "input" (a string or a non-empty array of strings): RequestError 400 for a wrong
// type, an empty text or one over max_chars characters; 413 for more than max_inputs texts.
std::vector<std::string> read_inputs(const nlohmann::json& body, const LimitsConfig& limits);

// Texts one request may ask to explain: each word is one more forward pass.
inline constexpr size_t kExplainedInputsPerRequest = 16;
// Words listed per category for "explain": true.
inline constexpr int kDefaultExplanationTop = 5;
// body["explain"]: 0 when absent, null or false; kDefaultExplanationTop for true; an integer in
// [1, max_top] as given. RequestError 400 for another value, or for more than
// kExplainedInputsPerRequest inputs.
int read_explain(const nlohmann::json& body, size_t inputs, int max_top);

}  // namespace guardian::api
