// JavaScript's string operations on UTF-8 text, as the reference renderer (@huggingface/jinja) applies
// them: its whitespace set (trim, split), UTF-16 lengths, code-point slices, case mapping, title case
// and JSON quoting.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace guardian::text::jinja {

// JavaScript's WhiteSpace and LineTerminator code points (what String.prototype.trim removes).
bool js_is_whitespace(char32_t c);
// Bytes of the whitespace character starting at s[pos] (0 when it is not whitespace or pos is past the end).
std::size_t whitespace_at(std::string_view s, std::size_t pos);
// Bytes of the whitespace character ending just before s[end] (0 when none).
std::size_t whitespace_before(std::string_view s, std::size_t end);

std::string js_trim(std::string_view s);
std::string js_trim_start(std::string_view s);
std::string js_trim_end(std::string_view s);

std::size_t utf16_length(std::string_view s);       // String.prototype.length
std::vector<std::string> code_points(std::string_view s);  // Array.from(string)

std::string js_upper(std::string_view s);
std::string js_lower(std::string_view s);
std::string js_title(std::string_view s);       // /\b\w/g to upper case (ASCII word characters)
std::string js_capitalize(std::string_view s);  // first character upper, the rest unchanged

// JSON.stringify of a string; ensure_ascii escapes every character past U+007E as \uXXXX.
std::string json_quote(std::string_view s, bool ensure_ascii = false);

// Python's str.replace with JavaScript's empty-pattern rule (insert between every code point).
std::string replace_all(std::string_view s, std::string_view from, std::string_view to, long count);
// JavaScript's String.prototype.split with a non-empty separator.
std::vector<std::string> split_on(std::string_view s, std::string_view sep);

}  // namespace guardian::text::jinja
