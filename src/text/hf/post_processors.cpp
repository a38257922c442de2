#include "text/hf/post_processors.h"

#include <vector>

namespace guardian::text::hf {
namespace {

struct Special {
  std::vector<int> ids;
  std::vector<std::string> tokens;
};

// An item of a template: special tokens, or the text itself (tokens.empty() && is_sequence).
struct Item {
  bool is_sequence = false;
  Special special;
};

void emit(Encoding& out, const Special& s) {
  for (std::size_t i = 0; i < s.ids.size(); ++i) {
    out.ids.push_back(s.ids[i]);
    out.tokens.push_back(s.tokens[i]);
    out.offsets.emplace_back(0, 0);
  }
}

class Template : public PostProcessor {
 public:
  explicit Template(std::vector<Item> items) : items_(std::move(items)) {}
  void process(Encoding& enc, bool add_special_tokens) const override {
    if (!add_special_tokens) return;
    Encoding out;
    for (const auto& item : items_) {
      if (item.is_sequence) {
        out.ids.insert(out.ids.end(), enc.ids.begin(), enc.ids.end());
        out.tokens.insert(out.tokens.end(), enc.tokens.begin(), enc.tokens.end());
        out.offsets.insert(out.offsets.end(), enc.offsets.begin(), enc.offsets.end());
      } else {
        emit(out, item.special);
      }
    }
    enc = std::move(out);
  }
  int leading_special() const override {
    for (const auto& item : items_) {
      if (item.is_sequence) return -1;
      if (!item.special.ids.empty()) return item.special.ids.front();
    }
    return -1;
  }
  int trailing_special() const override {
    bool after = false;
    for (const auto& item : items_) {
      if (item.is_sequence) after = true;
      else if (after && !item.special.ids.empty()) return item.special.ids.front();
    }
    return -1;
  }

 private:
  std::vector<Item> items_;
};

class Sequence : public PostProcessor {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PostProcessor>> steps) : steps_(std::move(steps)) {}
  void process(Encoding& enc, bool add) const override {
    for (const auto& s : steps_) s->process(enc, add);
  }
  int leading_special() const override {
    for (const auto& s : steps_)
      if (int id = s->leading_special(); id >= 0) return id;
    return -1;
  }
  int trailing_special() const override {
    for (const auto& s : steps_)
      if (int id = s->trailing_special(); id >= 0) return id;
    return -1;
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

// ByteLevel's post-processing only trims offsets; ids are unchanged.
class Identity : public PostProcessor {
 public:
  void process(Encoding&, bool) const override {}
};

Special pair_token(const JsonAt& j, const char* key) {
  JsonAt p = j.at(key);
  if (!p.json().is_array() || p.json().size() != 2 || !p.json()[0].is_string() || !p.json()[1].is_number_integer())
    p.fail("expected [token, id]");
  return Special{{p.json()[1].get<int>()}, {p.json()[0].get<std::string>()}};
}

Item template_item(const JsonAt& item, const JsonAt& specials) {
  if (item.has("Sequence")) {
    std::string id = item.at("Sequence").str("id");
    if (id != "A") item.at("Sequence").fail("single-sequence template refers to \"" + id + "\"");
    return Item{true, {}};
  }
  if (item.has("SpecialToken")) {
    std::string name = item.at("SpecialToken").str("id");
    if (!specials.json().is_object() || !specials.json().contains(name))
      specials.fail("no special token \"" + name + "\"");
    JsonAt s = specials.at(name.c_str());
    JsonAt ids = s.at("ids"), tokens = s.at("tokens");
    if (!ids.json().is_array() || !tokens.json().is_array() || ids.json().size() != tokens.json().size())
      s.fail("\"ids\" and \"tokens\" must be arrays of the same length");
    Item out;
    for (std::size_t i = 0; i < ids.json().size(); ++i) {
      if (!ids.json()[i].is_number_integer() || !tokens.json()[i].is_string()) s.fail("bad id or token");
      out.special.ids.push_back(ids.json()[i].get<int>());
      out.special.tokens.push_back(tokens.json()[i].get<std::string>());
    }
    return out;
  }
  item.fail("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const JsonAt& j) {
  if (j.json().is_null()) return nullptr;
  const std::string type = j.type();
  if (type == "TemplateProcessing") {
    JsonAt single = j.at("single");
    if (!single.json().is_array()) single.fail("expected an array of template items");
    static const Json kNone = Json::object();
    JsonAt specials = j.has("special_tokens") ? j.at("special_tokens") : JsonAt(kNone, j.path() + ".special_tokens");
    std::vector<Item> items;
    for (std::size_t i = 0; i < single.json().size(); ++i) items.push_back(template_item(single.at(i), specials));
    return std::make_unique<Template>(std::move(items));
  }
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    Item cls{false, pair_token(j, "cls")}, seq{true, {}}, sep{false, pair_token(j, "sep")};
    return std::make_unique<Template>(std::vector<Item>{cls, seq, sep});
  }
  if (type == "ByteLevel") return std::make_unique<Identity>();
  if (type == "Sequence") {
    JsonAt list = j.at("processors");
    if (!list.json().is_array()) list.fail("expected an array");
    std::vector<std::unique_ptr<PostProcessor>> steps;
    for (std::size_t i = 0; i < list.json().size(); ++i)
      if (auto s = make_post_processor(list.at(i))) steps.push_back(std::move(s));
    return std::make_unique<Sequence>(std::move(steps));
  }
  j.unsupported(type);
}

}  // namespace guardian::text::hf
