// guardian's one error family: exceptions inside the library, caught only at the edges (CLI, HTTP).
// Messages say what was wrong, where (file, line, field) and, when it helps, what to do.
#pragma once

#include <stdexcept>
#include <string>

namespace guardian {

// Base of every error the library throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The user's input is wrong: a data file, a text, a command-line value.
class InputError : public Error {
 public:
  using Error::Error;
};

// A config, policy or card file is wrong: unknown key, missing field, out-of-range value.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A file on disk is corrupt or truncated (weights, tokenizer, checkpoint).
class FormatError : public Error {
 public:
  using Error::Error;
};

// Used by the library when a feature is declared but not available here (e.g. a model kind).
class UnsupportedError : public Error {
 public:
  using Error::Error;
};

}  // namespace guardian
