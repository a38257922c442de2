#include "api/api_request.h"

#include "text/normalize.h"

namespace guardian::api {

namespace {

const char* error_type(int status) {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 405: return "method_not_allowed";
    case 413: return "request_too_large";
    case 429: case 503: return "overloaded_error";
    case 501: return "not_implemented";
    default: return status < 500 ? "invalid_request_error" : "server_error";
  }
}

size_t count_chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

ApiResponse error_response(int status, const std::string& message, const std::string& param) {
  nlohmann::json error = {{"message", message}, {"type", error_type(status)}};
  if (!param.empty()) error["param"] = param;
  return json_response(status, {{"error", error}});
}

ApiResponse json_response(int status, const nlohmann::json& body) {
  ApiResponse response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

nlohmann::json parse_object(const std::string& body) {
  if (!text::is_valid_utf8(body)) throw RequestError{400, "the request body is not valid UTF-8", ""};
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    std::string what = e.what();
    if (auto at = what.find("] "); at != std::string::npos) what = what.substr(at + 2);
    throw RequestError{400, "the request body is not valid JSON: " + what, ""};
  }
  if (!value.is_object()) throw RequestError{400, "the request body must be a JSON object", ""};
  return value;
}

std::string optional_string(const nlohmann::json& body, const char* field) {
  if (!body.contains(field) || body[field].is_null()) return "";
  if (!body[field].is_string()) throw RequestError{400, std::string("'") + field + "' must be a string", field};
  return body[field].get<std::string>();
}

// The texts of "input": a string or a non-empty array of strings, within the limits.
std::vector<std::string> read_inputs(const nlohmann::json& body, const LimitsConfig& limits) {
  if (!body.contains("input")) throw RequestError{400, "'input' is required: a string or an array of strings", "input"};
  const auto& input = body["input"];
  std::vector<std::string> texts;
  if (input.is_string()) {
    texts.push_back(input.get<std::string>());
  } else if (input.is_array()) {
    if (input.empty()) throw RequestError{400, "'input' is an empty array", "input"};
    if (input.size() > static_cast<size_t>(limits.max_inputs)) {
      throw RequestError{413, "'input' has " + std::to_string(input.size()) + " texts; at most " +
                                  std::to_string(limits.max_inputs) + " per request", "input"};
    }
    for (size_t i = 0; i < input.size(); ++i) {
      if (!input[i].is_string()) throw RequestError{400, "input[" + std::to_string(i) + "] must be a string", "input"};
      texts.push_back(input[i].get<std::string>());
    }
  } else {
    throw RequestError{400, "'input' must be a string or an array of strings", "input"};
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string where = input.is_string() ? "'input'" : "input[" + std::to_string(i) + "]";
    if (texts[i].empty()) throw RequestError{400, where + " is empty", "input"};
    const size_t chars = count_chars(texts[i]);
    if (chars > static_cast<size_t>(limits.max_chars)) {
      throw RequestError{400, where + " has " + std::to_string(chars) + " characters; at most " +
                                  std::to_string(limits.max_chars), "input"};
    }
  }
  return texts;
}

int read_explain(const nlohmann::json& body, size_t inputs, int max_top) {
  if (!body.contains("explain") || body["explain"].is_null()) return 0;
  const auto& value = body["explain"];
  int top = 0;
  if (value.is_boolean()) {
    top = value.get<bool>() ? kDefaultExplanationTop : 0;
  } else if (value.is_number_integer() && value.get<int64_t>() >= 1 && value.get<int64_t>() <= max_top) {
    top = static_cast<int>(value.get<int64_t>());
  } else {
    throw RequestError{400, "'explain' must be true, false or the number of words to list per category, 1 to " +
                                std::to_string(max_top), "explain"};
  }
  if (top > 0 && inputs > kExplainedInputsPerRequest) {
    throw RequestError{400, "'explain' takes at most " + std::to_string(kExplainedInputsPerRequest) +
                                " texts per request (each word is one more forward pass); this one has " +
                                std::to_string(inputs), "explain"};
  }
  return top;
}

}  // namespace guardian::api
