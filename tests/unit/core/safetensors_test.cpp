#include "core/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>

#include "core/error.h"
#include "core/fs.h"
#include "test_helpers.h"

namespace guardian::core {
namespace {

std::vector<std::byte> to_bytes(const std::string& s) {
  std::vector<std::byte> out(s.size());
  if (!s.empty()) std::memcpy(out.data(), s.data(), s.size());
  return out;
}

// A file made by hand: 8-byte length, header JSON, then data bytes.
std::vector<std::byte> make_file(const std::string& header, const std::string& data) {
  std::string s(8, '\0');
  std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i, n >>= 8) s[i] = static_cast<char>(n & 0xff);
  return to_bytes(s + header + data);
}

std::string small_valid_file(const test::TempDir& dir) {
  const float a[6] = {1, 2, 3, 4, 5, 6};
  const int64_t b[2] = {-7, 8};
  const std::uint8_t c[3] = {1, 0, 1};
  const auto path = dir / "small.safetensors";
  write_safetensors(path,
                    {{"b.ids", DType::kI64, {2}, b, sizeof b},
                     {"a.weight", DType::kF32, {2, 3}, a, sizeof a},
                     {"c.mask", DType::kBool, {3}, c, sizeof c}},
                    {{"format", "pt"}});
  return read_file(path);
}

TEST(Safetensors, DTypeNamesRoundTrip) {
  for (DType d : {DType::kF64, DType::kF32, DType::kF16, DType::kBF16, DType::kI64, DType::kI32, DType::kI16,
                  DType::kI8, DType::kU8, DType::kBool})
    EXPECT_EQ(parse_dtype(dtype_name(d)), d);
  EXPECT_EQ(dtype_size(DType::kBF16), 2u);
  EXPECT_EQ(dtype_size(DType::kI64), 8u);
  EXPECT_THROW(parse_dtype("F8_E4M3X"), FormatError);
}

TEST(Safetensors, RoundTripKeepsDataShapesAndMetadata) {
  test::TempDir dir;
  const std::vector<float> a = {1.5f, -2.0f, 3.25f, 0.0f, 5.0f, 6.0f};
  const std::vector<std::uint16_t> h = {0x3c00, 0xbc00};
  const auto path = dir / "m.safetensors";
  write_safetensors(path,
                    {{"z.bias", DType::kF16, {2}, h.data(), h.size() * 2},
                     {"a.weight", DType::kF32, {2, 3}, a.data(), a.size() * 4},
                     {"empty", DType::kF32, {0, 4}, nullptr, 0}},
                    {{"format", "pt"}, {"note", "héllo"}});
  const auto file = SafetensorsFile::load(path);
  EXPECT_EQ(file.names(), (std::vector<std::string>{"a.weight", "empty", "z.bias"}));
  EXPECT_EQ(file.metadata().at("note"), "héllo");
  const TensorView& w = file.get("a.weight");
  EXPECT_EQ(w.dtype, DType::kF32);
  EXPECT_EQ(w.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(w.numel(), 6);
  ASSERT_EQ(w.data.size(), 24u);
  std::vector<float> back(6);
  std::memcpy(back.data(), w.data.data(), 24);
  EXPECT_EQ(back, a);
  EXPECT_EQ(file.get("empty").numel(), 0);
  EXPECT_TRUE(file.contains("z.bias"));
  EXPECT_FALSE(file.contains("nope"));
  try {
    file.get("nope");
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos);
  }
}

TEST(Safetensors, WriterLayoutMatchesHuggingFace) {
  test::TempDir dir;
  const std::string bytes = small_valid_file(dir);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(n % 8, 0u) << "header padded to 8 bytes";
  const std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.rfind("{\"__metadata__\":{\"format\":\"pt\"},\"a.weight\"", 0), 0u) << header;
  EXPECT_LT(header.find("\"a.weight\""), header.find("\"b.ids\""));
  EXPECT_LT(header.find("\"b.ids\""), header.find("\"c.mask\""));
  const auto last = header.find_last_not_of(' ');
  EXPECT_EQ(header[last], '}');
  EXPECT_EQ(bytes.size(), 8 + n + 24 + 16 + 3);
  // No temporary files left beside the target.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}

TEST(Safetensors, WriterRejectsBadTensors) {
  test::TempDir dir;
  const float a[2] = {1, 2};
  EXPECT_THROW(write_safetensors(dir / "x", {{"a", DType::kF32, {3}, a, sizeof a}}), InputError);
  EXPECT_THROW(write_safetensors(dir / "x", {{"a", DType::kF32, {2}, a, 8}, {"a", DType::kF32, {2}, a, 8}}),
               InputError);
  EXPECT_THROW(write_safetensors(dir / "x", {{"a", DType::kF32, {-2}, a, 8}}), InputError);
  EXPECT_FALSE(std::filesystem::exists(dir / "x"));
}

TEST(Safetensors, MissingFileIsInputError) {
  test::TempDir dir;
  EXPECT_THROW(SafetensorsFile::load(dir / "absent.safetensors"), InputError);
}

// load() maps the file: the views stay readable while owner() is held, after the file object is
// gone and after the file on disk is replaced the way guardian's writers replace it (by rename).
TEST(Safetensors, OwnerKeepsLoadedViewsAliveAcrossAReplacedFile) {
  test::TempDir dir;
  const std::vector<float> a = {1.5f, -2.0f, 3.25f};
  const std::vector<float> b = {9.0f, 9.0f, 9.0f};
  const auto path = dir / "m.safetensors";
  write_safetensors(path, {{"a", DType::kF32, {3}, a.data(), 12}});
  std::shared_ptr<const void> owner;
  std::span<const std::byte> view;
  {
    const auto file = SafetensorsFile::load(path);
    owner = file.owner();
    view = file.get("a").data;
  }
  write_safetensors(path, {{"a", DType::kF32, {3}, b.data(), 12}});
  ASSERT_TRUE(owner);
  std::vector<float> back(3);
  ASSERT_EQ(view.size(), 12u);
  std::memcpy(back.data(), view.data(), 12);
  EXPECT_EQ(back, a);
  // A parsed buffer is owned the same way.
  const auto parsed = SafetensorsFile::parse(to_bytes(read_file(path)), "buffer");
  EXPECT_TRUE(parsed.owner());
  std::memcpy(back.data(), parsed.get("a").data.data(), 12);
  EXPECT_EQ(back, b);
}

// What `guardian serve` loads with: a private copy, which a file overwritten in place (cp over it,
// truncating it first) leaves as it was.
TEST(Safetensors, ReadModeKeepsItsCopyWhenTheFileIsOverwrittenInPlace) {
  test::TempDir dir;
  const std::vector<float> a = {1.5f, -2.0f, 3.25f};
  const auto path = dir / "m.safetensors";
  write_safetensors(path, {{"a", DType::kF32, {3}, a.data(), 12}});
  ASSERT_EQ(load_mode(), LoadMode::kMap);
  set_load_mode(LoadMode::kRead);
  auto file = SafetensorsFile::load(path);
  set_load_mode(LoadMode::kMap);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "overwritten";
  }
  std::vector<float> back(3);
  std::memcpy(back.data(), file.get("a").data.data(), 12);
  EXPECT_EQ(back, a);
  EXPECT_THROW(SafetensorsFile::load(path), FormatError);  // the file itself is now bad
}

TEST(Safetensors, EmptyOrShortFileIsFormatErrorNamingIt) {
  test::TempDir dir;
  for (const std::string content : {std::string(), std::string("abc")}) {
    const auto path = dir / "short.safetensors";
    write_file_atomic(path, content);
    try {
      SafetensorsFile::load(path);
      FAIL() << "expected FormatError for a " << content.size() << "-byte file";
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("short.safetensors"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("shorter than the 8-byte header"), std::string::npos) << e.what();
    }
  }
}

// Each hostile header must be a FormatError whose message names the file and, where there is
// one, the tensor.
struct Hostile {
  const char* what;
  std::string header;
  std::string data;
  const char* must_mention;
};

TEST(Safetensors, HostileHeadersAreFormatErrorsNamingFileAndTensor) {
  const std::string d8(8, '\0');
  const std::vector<Hostile> cases = {
      {"not json", "{not json", d8, "JSON"},
      {"not an object", "[1,2]", "", "object"},
      {"unknown dtype", R"({"t":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", d8, "\"t\""},
      {"negative dim", R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", d8, "\"t\""},
      {"fractional dim", R"({"t":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", d8, "\"t\""},
      {"numel overflow", R"({"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", d8, "overflow"},
      {"bytes overflow", R"({"t":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}})", d8, "overflow"},
      {"size mismatch", R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", d8, "\"t\""},
      {"offset past end", R"({"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", d8, "\"t\""},
      {"offsets reversed", R"({"t":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}})", d8, "\"t\""},
      {"huge offset", R"({"t":{"dtype":"U8","shape":[1],"data_offsets":[18446744073709551615,0]}})", d8, "\"t\""},
      {"negative offset", R"({"t":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}})", d8, "\"t\""},
      {"overlap", R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", d8, "overlap"},
      {"gap", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", d8, "gap"},
      {"trailing bytes", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", d8, "cover"},
      {"missing dtype", R"({"t":{"shape":[2],"data_offsets":[0,8]}})", d8, "dtype"},
      {"shape not array", R"({"t":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", d8, "shape"},
      {"three offsets", R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}})", d8, "data_offsets"},
      {"entry not object", R"({"t":7})", "", "\"t\""},
      {"metadata number", R"({"__metadata__":{"epoch":3}})", "", "epoch"},
      {"metadata not object", R"({"__metadata__":"x"})", "", "__metadata__"},
      {"deep nesting", std::string(100000, '[') + std::string(100000, ']'), "", "deep"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    try {
      SafetensorsFile::parse(make_file(c.header, c.data), "evil.safetensors");
      ADD_FAILURE() << "accepted: " << c.what;
    } catch (const FormatError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("evil.safetensors"), std::string::npos) << msg;
      EXPECT_NE(msg.find(c.must_mention), std::string::npos) << msg;
    }
  }
}

TEST(Safetensors, HeaderLengthPastEndOfFile) {
  std::vector<std::byte> bytes = make_file("{}", "");
  bytes[0] = std::byte{200};
  EXPECT_THROW(SafetensorsFile::parse(bytes, "f"), FormatError);
  std::vector<std::byte> huge(16, std::byte{0xff});
  EXPECT_THROW(SafetensorsFile::parse(huge, "f"), FormatError);
  EXPECT_THROW(SafetensorsFile::parse({}, "f"), FormatError);
}

TEST(Safetensors, EmptyHeaderObjectIsAnEmptyFile) {
  const auto file = SafetensorsFile::parse(make_file("{}", ""), "f");
  EXPECT_TRUE(file.names().empty());
}

TEST(Safetensors, EveryTruncationIsRejected) {
  test::TempDir dir;
  const std::string full = small_valid_file(dir);
  for (std::size_t len = 0; len < full.size(); ++len) {
    EXPECT_THROW(SafetensorsFile::parse(to_bytes(full.substr(0, len)), "cut"), FormatError) << "length " << len;
  }
  EXPECT_NO_THROW(SafetensorsFile::parse(to_bytes(full), "whole"));
}

// Seeded mutations of a valid file, each of a kind whose verdict is known: edits that keep the
// file valid must load with exactly the edited bytes or metadata; edits that break it must be
// refused as FormatError saying why. Random edits with no known verdict must end in a consistent
// file or a FormatError naming the input, never a crash.
TEST(Safetensors, MutationsLoadOrAreRefusedForTheirReason) {
  test::TempDir dir;
  const std::string full = small_valid_file(dir);
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(full[i]);
  const std::size_t data_at = 8 + header_len;
  const std::string header = full.substr(8, header_len);
  const std::size_t format_value = 8 + header.find("\"format\":\"pt\"") + 10;  // the "pt"
  ASSERT_EQ(full.substr(format_value, 2), "pt");
  std::vector<std::size_t> structural;  // { } [ ] : , of the header outside strings
  for (std::size_t i = 0, in_string = 0; i < header.size(); ++i) {
    if (header[i] == '"') in_string = !in_string;
    else if (!in_string && std::string_view("{}[]:,").find(header[i]) != std::string_view::npos) structural.push_back(8 + i);
  }
  const auto original = SafetensorsFile::parse(to_bytes(full), "fuzz");
  auto bytes_of = [](const TensorView& v) { return std::string(reinterpret_cast<const char*>(v.data.data()), v.data.size()); };
  auto refusal = [](const std::string& s) -> std::string {
    try {
      SafetensorsFile::parse(to_bytes(s), "fuzz");
    } catch (const FormatError& e) {
      return e.what();
    }
    return "(accepted)";
  };
  auto set_header_len = [](std::string& s, std::uint64_t n) {
    for (int i = 0; i < 8; ++i, n >>= 8) s[i] = static_cast<char>(n & 0xff);
  };
  std::mt19937 rng(1234);
  std::vector<int> seen(9, 0);
  int accepted = 0, rejected = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string s = full;
    const int kind = static_cast<int>(rng() % 9);
    ++seen[kind];
    SCOPED_TRACE("mutation kind " + std::to_string(kind));
    switch (kind) {
      case 0: {  // a data byte: the same tensors, one byte different
        const std::size_t pos = data_at + rng() % (full.size() - data_at);
        s[pos] = static_cast<char>(rng());
        const auto file = SafetensorsFile::parse(to_bytes(s), "fuzz");
        ASSERT_EQ(file.names(), original.names());
        std::size_t differing = 0;
        for (const auto& name : file.names()) {
          ASSERT_EQ(file.get(name).shape, original.get(name).shape);
          const auto a = bytes_of(file.get(name)), b = bytes_of(original.get(name));
          ASSERT_EQ(a.size(), b.size());
          for (std::size_t k = 0; k < a.size(); ++k) differing += a[k] != b[k];
        }
        EXPECT_EQ(differing, s[pos] != full[pos] ? 1u : 0u);
        break;
      }
      case 1: {  // a letter of a metadata value: the same tensors, the new value
        const std::size_t pos = format_value + rng() % 2;
        s[pos] = static_cast<char>('a' + rng() % 26);
        const auto file = SafetensorsFile::parse(to_bytes(s), "fuzz");
        EXPECT_EQ(file.metadata().at("format"), s.substr(format_value, 2));
        EXPECT_EQ(file.names(), original.names());
        break;
      }
      case 2:  // cut inside the header or the data
        s.resize(8 + rng() % (full.size() - 8));
        EXPECT_NE(refusal(s).find("truncated?"), std::string::npos) << refusal(s);
        break;
      case 3:  // cut inside the length
        s.resize(rng() % 8);
        EXPECT_NE(refusal(s).find("fuzz: file is " + std::to_string(s.size()) + " bytes, shorter than the 8-byte header length"),
                  std::string::npos) << refusal(s);
        break;
      case 4:  // bytes after the last tensor
        s += std::string(1 + rng() % 8, static_cast<char>(rng()));
        EXPECT_NE(refusal(s).find("data section is " + std::to_string(s.size() - data_at) + " bytes but the tensors cover " +
                                  std::to_string(full.size() - data_at)), std::string::npos) << refusal(s);
        break;
      case 5:  // a header length past the end of the file
        set_header_len(s, full.size() - 8 + 1 + rng() % 100000);
        EXPECT_NE(refusal(s).find("runs past the end of the file"), std::string::npos) << refusal(s);
        break;
      case 6:  // a header length past the limit
        set_header_len(s, (std::uint64_t{100} << 20) + 1 + rng());
        EXPECT_NE(refusal(s).find("exceeds the 100 MiB limit"), std::string::npos) << refusal(s);
        break;
      case 7:  // a brace, bracket, colon or comma of the header replaced by a letter
        s[structural[rng() % structural.size()]] = 'x';
        EXPECT_NE(refusal(s).find("fuzz: header is not valid JSON"), std::string::npos) << refusal(s);
        break;
      default: {  // random edits anywhere: no known verdict
        for (int e = 0, edits = 1 + static_cast<int>(rng() % 4); e < edits; ++e) {
          const std::size_t pos = rng() % s.size();
          switch (rng() % 4) {
            case 0: s[pos] = static_cast<char>(rng()); break;                     // random byte
            case 1: s[pos] = "0123456789[]{}\",:-e."[rng() % 20]; break;          // JSON-ish byte
            case 2: s.erase(pos, 1 + rng() % 8); break;                           // deletion
            default: s.insert(pos, 1 + rng() % 3, static_cast<char>(rng())); break;  // insertion
          }
          if (s.empty()) s = "x";
        }
        try {
          const auto file = SafetensorsFile::parse(to_bytes(s), "fuzz");
          // Whatever is accepted must be internally consistent.
          for (const auto& name : file.names()) {
            const TensorView& v = file.get(name);
            ASSERT_EQ(v.data.size(), static_cast<std::size_t>(v.numel()) * dtype_size(v.dtype));
          }
          ++accepted;
        } catch (const FormatError& e) {
          EXPECT_EQ(std::string(e.what()).rfind("fuzz: ", 0), 0u) << "the error names the input: " << e.what();
          ++rejected;
        }
      }
    }
  }
  for (int kind = 0; kind < 9; ++kind) EXPECT_GT(seen[kind], 250) << kind;
  EXPECT_GT(rejected, 200);  // most random edits break the file
}

TEST(Safetensors, MovedFileKeepsValidViews) {
  test::TempDir dir;
  const std::string full = small_valid_file(dir);
  auto file = SafetensorsFile::parse(to_bytes(full), "f");
  SafetensorsFile moved = std::move(file);
  int64_t v[2];
  std::memcpy(v, moved.get("b.ids").data.data(), 16);
  EXPECT_EQ(v[0], -7);
  EXPECT_EQ(v[1], 8);
}

}  // namespace
}  // namespace guardian::core
