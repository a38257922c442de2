// The one scoring loop for a data set: every command and trainer that scores examples (eval,
// calibrate, the trainers' validation and eval reports) goes through it, in the same chunks.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "data/example.h"
#include "models/model.h"

namespace guardian::infer {

// Messages scored at a time: bounded memory on large sets.
inline constexpr size_t kScoreChunk = 256;

// Scores the examples' texts in chunks of kScoreChunk, in order; each chunk's logits go to
// `each` with the index of the chunk's first example.
void score_in_chunks(const models::Model& model, const std::vector<data::Example>& examples,
                     const std::function<void(size_t begin, std::vector<models::CategoryLogits>& logits)>& each);

// Every example's logits, in order (score_in_chunks collected).
std::vector<models::CategoryLogits> score_all(const models::Model& model, const std::vector<data::Example>& examples);

}  // namespace guardian::infer
