#include "train/train_config.h"

#include <set>

#include "core/error.h"
#include "core/fs.h"
#include "core/toml_table.h"
#include "data/perturb.h"

namespace guardian::train {

namespace {

using core::TomlTable;

void check(bool ok, const std::string& where, const std::string& message) {
  if (!ok) throw ConfigError(where + ": " + message);
}

void read_ngram(const toml::table* table, const std::string& where, const std::string& section, NgramConfig& c) {
  TomlTable ngram(table, where, section);
  ngram.get("buckets_log2", c.buckets_log2);
  ngram.get("word_ngrams", c.word_ngrams);
  ngram.get("char_min", c.char_min);
  ngram.get("char_max", c.char_max);
  ngram.get("despaced_max", c.despaced_max);
  ngram.get("choseong", c.choseong);
  ngram.get("norm_per_family", c.norm_per_family);
  ngram.get("squeeze", c.squeeze);
  ngram.get("leet", c.leet);
  ngram.get("jamo", c.jamo);
  ngram.get("nb_scale", c.nb_scale);
  ngram.get("nb_alpha", c.nb_alpha);
  ngram.get("dim", c.dim);
  ngram.get("embedding_dtype", c.embedding_dtype);
  ngram.get("pretrained", c.pretrained);
  ngram.get("epochs", c.epochs);
  ngram.get("lr", c.lr);
  ngram.get("l2", c.l2);
  ngram.get("replicas", c.replicas);
  ngram.finish();
}

void validate_ngram(const NgramConfig& ngram, const std::string& where, const std::string& s) {
  check(ngram.buckets_log2 >= 10 && ngram.buckets_log2 <= 26, where, s + ".buckets_log2 must be in 10..26");
  check(ngram.word_ngrams >= 1 && ngram.word_ngrams <= 4, where, s + ".word_ngrams must be in 1..4");
  check(ngram.char_max == 0 || (ngram.char_min >= 1 && ngram.char_min <= ngram.char_max && ngram.char_max <= 8), where,
        s + ".char_min..char_max must satisfy 1 <= char_min <= char_max <= 8 (or char_max = 0: none)");
  check(ngram.despaced_max == 0 || (ngram.despaced_max >= 2 && ngram.despaced_max <= 8), where,
        s + ".despaced_max must be 0 or in 2..8");
  check(ngram.dim >= 0 && ngram.dim <= 1024, where, s + ".dim must be in 0..1024");
  check(ngram.embedding_dtype == "f32" || ngram.embedding_dtype == "bf16", where,
        s + ".embedding_dtype must be \"f32\" or \"bf16\"");
  check(ngram.epochs > 0 && ngram.epochs <= 1000, where, s + ".epochs must be in 1..1000");
  check(ngram.lr > 0.0 && ngram.lr <= 100.0, where, s + ".lr must be in (0, 100]");
  for (double l2 : ngram.l2) check(l2 >= 0.0 && l2 < 1.0, where, s + ".l2 values must be in [0, 1)");
  check(ngram.replicas >= 1 && ngram.replicas <= 16, where, s + ".replicas must be in 1..16");
  // A bag sums its features' rows unweighted: only the linear model reads TF-IDF weights.
  check(!ngram.norm_per_family || ngram.dim == 0, where, s + ".norm_per_family needs dim = 0 (the linear model)");
  check(!ngram.nb_scale || ngram.dim == 0, where, s + ".nb_scale needs dim = 0 (the linear model)");
  check(ngram.nb_alpha > 0.0 && ngram.nb_alpha <= 1000.0, where, s + ".nb_alpha must be in (0, 1000]");
  check(ngram.pretrained.empty() || ngram.dim > 0, where,
        s + ".pretrained needs dim > 0 (only an embedding bag starts from pretrained rows)");
}

}  // namespace

models::NgramFeatureOptions NgramConfig::feature_options() const {
  return {.buckets_log2 = buckets_log2,
          .word_ngrams = word_ngrams,
          .char_min = char_min,
          .char_max = char_max,
          .despaced_max = despaced_max,
          .choseong = choseong,
          .norm_per_family = norm_per_family,
          .squeeze = squeeze,
          .leet = leet,
          .jamo = jamo};
}


TrainConfig TrainConfig::parse(const std::string& text, const std::string& where) {
  const toml::table root = core::parse_toml(text, where);
  TrainConfig c;
  TomlTable top(&root, where, "");
  top.get("name", c.name);
  top.get("policy", c.policy);
  std::set<std::string> sections = {"data", "tokenizer", "model", "ngram", "ensemble", "pretrain", "bag_pretrain", "train"};
  // The ensemble's n-gram members: every [ngram_<name>] table, read as [ngram] is, from the
  // defaults its name has (the bag's for [ngram_bag], [ngram]'s otherwise).
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k.rfind("ngram_", 0) != 0 || !node.is_table()) continue;
    read_ngram(node.as_table(), where, k, c.ngram_members.try_emplace(k).first->second);
    sections.insert(k);
  }
  top.finish(sections);

  c.data = data::read_data_table(root["data"].as_table(), where);

  TomlTable tok(root["tokenizer"].as_table(), where, "tokenizer");
  tok.get("vocab_size", c.tokenizer.vocab_size);
  tok.get("max_sentences", c.tokenizer.max_sentences);
  tok.finish();

  TomlTable model(root["model"].as_table(), where, "model");
  model.get("kind", c.model.kind);
  model.get("hidden_size", c.model.hidden_size);
  model.get("num_hidden_layers", c.model.num_hidden_layers);
  model.get("num_attention_heads", c.model.num_attention_heads);
  model.get("num_key_value_heads", c.model.num_key_value_heads);
  model.get("intermediate_size", c.model.intermediate_size);
  model.get("tie_word_embeddings", c.model.tie_word_embeddings);
  model.get("dropout", c.model.dropout);
  model.get("max_length", c.model.max_length);
  model.get("pooling", c.model.pooling);
  model.get("pretrained", c.model.pretrained);
  model.finish();

  read_ngram(root["ngram"].as_table(), where, "ngram", c.ngram);
  TomlTable pretrain(root["pretrain"].as_table(), where, "pretrain");
  pretrain.get("objective", c.pretrain.objective);
  pretrain.get("text", c.pretrain.text);
  pretrain.get("max_texts", c.pretrain.max_texts);
  pretrain.get("mask_prob", c.pretrain.mask_prob);
  pretrain.get("batch_size", c.pretrain.batch_size);
  pretrain.get("lr", c.pretrain.lr);
  pretrain.get("warmup", c.pretrain.warmup);
  int steps = static_cast<int>(c.pretrain.steps);
  pretrain.get("steps", steps);
  c.pretrain.steps = steps;
  pretrain.get("tokens", c.pretrain.tokens);
  pretrain.get("heldout_texts", c.pretrain.heldout_texts);
  pretrain.finish();
  TomlTable bag_pretrain(root["bag_pretrain"].as_table(), where, "bag_pretrain");
  bag_pretrain.get("text", c.bag_pretrain.text);
  bag_pretrain.get("max_texts", c.bag_pretrain.max_texts);
  bag_pretrain.get("epochs", c.bag_pretrain.epochs);
  bag_pretrain.get("window", c.bag_pretrain.window);
  bag_pretrain.get("negatives", c.bag_pretrain.negatives);
  bag_pretrain.get("min_count", c.bag_pretrain.min_count);
  bag_pretrain.get("subsample", c.bag_pretrain.subsample);
  bag_pretrain.get("lr", c.bag_pretrain.lr);
  bag_pretrain.finish();
  TomlTable ensemble(root["ensemble"].as_table(), where, "ensemble");
  ensemble.get("members", c.ensemble.members);
  ensemble.get("fit", c.ensemble.fit);
  ensemble.get("f1_offsets", c.ensemble.f1_offsets);
  ensemble.get("serve", c.ensemble.serve);
  ensemble.get("cascade", c.ensemble.cascade);
  ensemble.get("cascade_recall", c.ensemble.cascade_recall);
  ensemble.finish();

  TomlTable opt(root["train"].as_table(), where, "train");
  opt.get("epochs", c.optim.epochs);
  opt.get("batch_size", c.optim.batch_size);
  opt.get("lr", c.optim.lr);
  opt.get("weight_decay", c.optim.weight_decay);
  opt.get("warmup", c.optim.warmup);
  opt.get("clip", c.optim.clip);
  opt.get("class_weighting", c.optim.class_weighting);
  opt.get("patience", c.optim.patience);
  opt.get("eval_every", c.optim.eval_every);
  opt.get("seed", c.optim.seed);
  opt.get("threads", c.optim.threads);
  opt.get("augment", c.optim.augment);
  opt.finish();

  c.validate(where);
  return c;
}

NgramConfig TrainConfig::bag_defaults() {
  NgramConfig bag;
  bag.dim = 64;
  bag.lr = 0.2;
  bag.epochs = 20;
  bag.l2 = {0.0};
  return bag;
}

const NgramConfig& TrainConfig::ngram_table(const std::string& name) const {
  if (name == "ngram") return ngram;
  auto it = ngram_members.find(name);
  if (it == ngram_members.end()) {
    std::string known = "\"ngram\"";
    for (const auto& [member, _] : ngram_members) known += ", \"" + member + "\"";
    throw ConfigError("no n-gram table [" + name + "] in the recipe (it has " + known + ")");
  }
  return it->second;
}

TrainConfig TrainConfig::load(const std::filesystem::path& path) {
  return parse(core::read_file(path), path.string());
}

void TrainConfig::validate(const std::string& where) const {
  check(!data.train.empty(), where, "data.train must name at least one card:split");
  check(tokenizer.vocab_size >= 100 && tokenizer.vocab_size <= 1000000, where,
        "tokenizer.vocab_size must be between 100 and 1000000");
  check(tokenizer.max_sentences >= 100, where, "tokenizer.max_sentences must be at least 100");
  check(model.hidden_size > 0 && model.hidden_size <= 4096, where, "model.hidden_size must be in 1..4096");
  check(model.num_hidden_layers > 0 && model.num_hidden_layers <= 48, where, "model.num_hidden_layers must be in 1..48");
  check(model.num_attention_heads > 0 && model.hidden_size % model.num_attention_heads == 0, where,
        "model.num_attention_heads must divide model.hidden_size");
  check(model.intermediate_size > 0, where, "model.intermediate_size must be positive");
  check(model.dropout >= 0.0 && model.dropout < 1.0, where, "model.dropout must be in [0, 1)");
  check(model.max_length >= 4 && model.max_length <= 4096, where, "model.max_length must be in 4..4096");
  check(model.kind == "encoder" || model.kind == "ngram" || model.kind == "ensemble" || model.kind == "decoder", where,
        "model.kind must be \"encoder\", \"ngram\", \"ensemble\" or \"decoder\"");
  check(model.num_key_value_heads >= 0 &&
            (model.num_key_value_heads == 0 || model.num_attention_heads % model.num_key_value_heads == 0),
        where, "model.num_key_value_heads must divide model.num_attention_heads (0 = one per head)");
  check(pretrain.objective == "masked" || pretrain.objective == "causal", where,
        "pretrain.objective must be \"masked\" or \"causal\"");
  check((pretrain.objective == "causal") == (model.kind == "decoder"), where,
        "pretrain.objective = \"causal\" goes with model.kind = \"decoder\" (and only with it)");
  check(pretrain.tokens >= 0, where, "pretrain.tokens must be >= 0 (0 = pretrain.steps decides)");
  check(pretrain.heldout_texts >= 1, where, "pretrain.heldout_texts must be positive");
  check(pretrain.max_texts >= 1, where, "pretrain.max_texts must be positive");
  check(pretrain.mask_prob > 0.0 && pretrain.mask_prob < 1.0, where, "pretrain.mask_prob must be in (0, 1)");
  check(pretrain.batch_size > 0 && pretrain.batch_size <= 4096, where, "pretrain.batch_size must be in 1..4096");
  check(pretrain.lr > 0.0 && pretrain.lr < 1.0, where, "pretrain.lr must be in (0, 1)");
  check(pretrain.warmup >= 0.0 && pretrain.warmup < 1.0, where, "pretrain.warmup must be in [0, 1)");
  check(pretrain.steps > 0, where, "pretrain.steps must be positive");
  check(bag_pretrain.max_texts >= 1, where, "bag_pretrain.max_texts must be positive");
  check(bag_pretrain.epochs >= 1 && bag_pretrain.epochs <= 100, where, "bag_pretrain.epochs must be in 1..100");
  check(bag_pretrain.window >= 1 && bag_pretrain.window <= 20, where, "bag_pretrain.window must be in 1..20");
  check(bag_pretrain.negatives >= 1 && bag_pretrain.negatives <= 50, where, "bag_pretrain.negatives must be in 1..50");
  check(bag_pretrain.min_count >= 1, where, "bag_pretrain.min_count must be positive");
  check(bag_pretrain.subsample > 0.0 && bag_pretrain.subsample <= 1.0, where, "bag_pretrain.subsample must be in (0, 1]");
  check(bag_pretrain.lr > 0.0 && bag_pretrain.lr <= 1.0, where, "bag_pretrain.lr must be in (0, 1]");
  validate_ngram(ngram, where, "ngram");
  for (const auto& [name, member] : ngram_members) validate_ngram(member, where, name);
  check(model.kind == "ensemble" || ngram.replicas == 1, where,
        "ngram.replicas needs model.kind = \"ensemble\" (replicas are ensemble members)");
  check(ngram_members.at("ngram_bag").dim > 0, where, "ngram_bag.dim must be positive (the bag member is an embedding bag)");
  check(!ensemble.members.empty(), where, "ensemble.members must name at least one member");
  for (size_t i = 0; i < ensemble.members.size(); ++i) {
    const auto& m = ensemble.members[i];
    check(m == "ngram" || m == "encoder" || ngram_members.count(m), where,
          "ensemble.members: '" + m + "' is not \"ngram\", \"encoder\", \"ngram_bag\" or an [ngram_<name>] table of the recipe");
    for (size_t j = 0; j < i; ++j) check(ensemble.members[j] != m, where, "ensemble.members: '" + m + "' twice");
  }
  check(!ensemble.cascade || (ensemble.members.size() >= 2 && ensemble.members.front() != "encoder"), where,
        "ensemble.cascade needs two members or more, the first (the gate) an n-gram one");
  check(ensemble.cascade_recall > 0.0 && ensemble.cascade_recall <= 1.0, where, "ensemble.cascade_recall must be in (0, 1]");
  check(ensemble.fit == "nll" || ensemble.fit == "none", where, "ensemble.fit must be \"nll\" or \"none\"");
  check(ensemble.f1_offsets == "off" || ensemble.f1_offsets == "on" || ensemble.f1_offsets == "checked", where,
        "ensemble.f1_offsets must be \"off\", \"on\" or \"checked\"");
  check(ensemble.serve == "stack" || ensemble.serve == "best", where, "ensemble.serve must be \"stack\" or \"best\"");
  check(model.pooling == "mean" || model.pooling == "cls", where, "model.pooling must be \"mean\" or \"cls\"");
  check(optim.epochs > 0 && optim.epochs <= 1000, where, "train.epochs must be in 1..1000");
  check(optim.batch_size > 0 && optim.batch_size <= 4096, where, "train.batch_size must be in 1..4096");
  check(optim.lr > 0.0 && optim.lr < 1.0, where, "train.lr must be in (0, 1)");
  check(optim.weight_decay >= 0.0 && optim.weight_decay < 1.0, where, "train.weight_decay must be in [0, 1)");
  check(optim.warmup >= 0.0 && optim.warmup < 1.0, where, "train.warmup must be in [0, 1)");
  check(optim.clip >= 0.0, where, "train.clip must be >= 0");
  check(optim.class_weighting == "balanced" || optim.class_weighting == "none", where,
        "train.class_weighting must be \"balanced\" or \"none\"");
  check(optim.patience > 0, where, "train.patience must be positive");
  check(optim.eval_every >= 0, where, "train.eval_every must be >= 0");
  check(optim.threads >= 0, where, "train.threads must be >= 0");
  for (size_t i = 0; i < optim.augment.size(); ++i) {
    const auto& game = optim.augment[i];
    try {
      data::parse_perturbation(game);
    } catch (const InputError& e) {
      check(false, where, std::string("train.augment: ") + e.what());  // names the games
    }
    for (size_t j = 0; j < i; ++j) check(optim.augment[j] != game, where, "train.augment: '" + game + "' twice");
  }
}

}  // namespace guardian::train
