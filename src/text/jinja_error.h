// Errors of the chat-template renderer: what went wrong and where in the template (line, column).
#pragma once

#include <string>

#include "core/error.h"

namespace guardian::text::jinja {

// The template cannot be read (unsupported or malformed syntax) or fails while rendering (a type
// error, an unknown filter). what(): "chat template, line L, column C: DETAIL".
class TemplateError : public InputError {
 public:
  TemplateError(const std::string& detail, const std::string& position)
      : InputError("chat template, " + (position.empty() ? std::string("at render") : position) + ": " + detail),
        detail_(detail), position_(position) {}
  const std::string& detail() const { return detail_; }      // the message without the position
  const std::string& position() const { return position_; }  // "line L, column C" (empty: unknown)

 private:
  std::string detail_, position_;
};

// The template called raise_exception(message): what() is the message exactly as the template
// wrote it (a conversation the template refuses, e.g. roles that do not alternate).
class TemplateRaised : public InputError {
 public:
  using InputError::InputError;
};

}  // namespace guardian::text::jinja
