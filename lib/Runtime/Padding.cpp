//===- Padding.cpp - runs a padded batch without computing its padding -----===//
//
// A batch of sequences of different lengths arrives padded to the longest,
// with attention_mask marking the valid tokens. In the families whose rows
// are independent (BERT, RoBERTa, ALBERT, FastBERT), a valid token never
// depends on a padding position: attention masks padding keys out, and every
// other layer works token by token. So rows whose mask is ones then zeros
// can run trimmed to their length, and the result at their valid positions
// is what the padded run computes. A model compiled with a packed entry
// (bertc compile --remove-padding) runs all valid tokens as one packed batch:
// one call, products over every token at once, attention per sequence.
// Others run the rows of one length together as one batch (compiled
// functions take any batch and length), one call per length. Token outputs
// are scattered back into [batch, seq, ...] with zeros at padding positions.
//
// Masks of another form (left padding, holes, an empty row) would change
// positions or the all-masked softmax, so such a batch runs whole.
//
//===----------------------------------------------------------------------===//

#include "ModelImpl.h"
#include "Safetensors.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>

using namespace bertc::rt;

namespace {

/// The valid length of each row of `mask` ([B, S], ones then zeros), or an
/// empty vector when some row has another form.
std::vector<int64_t> prefixLengths(const bertc_tensor &mask) {
  int64_t B = mask.shape[0], S = mask.shape[1];
  std::vector<int64_t> lengths;
  for (int64_t b = 0; b < B; ++b) {
    int64_t n = 0, v = 0;
    while (n < S && readInt(mask, b * S + n, v) && v == 1)
      ++n;
    for (int64_t t = n; t < S; ++t)
      if (!readInt(mask, b * S + t, v) || v != 0)
        return {};
    if (n == 0)
      return {};
    lengths.push_back(n);
  }
  return lengths;
}

/// Rows `rows` of a [B, S] tensor, trimmed to their first `n` columns.
bertc_tensor gatherRows(const bertc_tensor &t, const std::vector<int64_t> &rows,
                        int64_t n, std::vector<std::vector<uint8_t>> &store) {
  size_t esize = dtypeSize(t.dtype);
  int64_t S = t.shape[1];
  std::vector<uint8_t> &data = store.emplace_back(rows.size() * n * esize);
  for (size_t r = 0; r < rows.size(); ++r)
    std::memcpy(data.data() + r * n * esize,
                (const uint8_t *)t.data + rows[r] * S * esize, n * esize);
  bertc_tensor part = t;
  part.shape[0] = (int64_t)rows.size();
  part.shape[1] = n;
  part.data = data.data();
  return part;
}

/// The valid tokens of every row of a [B, S] tensor, back to back: [1, T].
bertc_tensor packRows(const bertc_tensor &t, const std::vector<int64_t> &offsets,
                      std::vector<std::vector<uint8_t>> &store) {
  size_t esize = dtypeSize(t.dtype);
  int64_t S = t.shape[1], T = offsets.back();
  std::vector<uint8_t> &data = store.emplace_back(T * esize);
  for (size_t r = 0; r + 1 < offsets.size(); ++r)
    std::memcpy(data.data() + offsets[r] * esize,
                (const uint8_t *)t.data + r * S * esize,
                (offsets[r + 1] - offsets[r]) * esize);
  bertc_tensor part = t;
  part.shape[0] = 1;
  part.shape[1] = T;
  part.data = data.data();
  return part;
}

/// Zero-filled [B, S, ...] (token outputs) or [B, ...] tensors with the
/// dtypes, ranks, inner sizes and names of `parts` (one run's outputs).
std::vector<bertc_tensor> paddedOutputs(const bertc_model &m,
                                        const std::vector<bertc_tensor> &parts,
                                        int64_t B, int64_t S) {
  std::vector<bertc_tensor> full;
  for (size_t o = 0; o < parts.size(); ++o) {
    bertc_tensor t = parts[o];
    t.name = strdup(parts[o].name);
    t.shape[0] = B;
    if (m.outputs[o].tokenAxis)
      t.shape[1] = S;
    size_t count = 1;
    for (int d = 0; d < t.rank; ++d)
      count *= (size_t)t.shape[d];
    t.data = std::calloc(std::max<size_t>(count, 1), dtypeSize(t.dtype));
    full.push_back(t);
  }
  return full;
}

/// Bytes of one token (token outputs) or one row of output `r`.
size_t unitBytes(const bertc_tensor &r, bool tokens) {
  size_t inner = dtypeSize(r.dtype);
  for (int d = tokens ? 2 : 1; d < r.rank; ++d)
    inner *= (size_t)r.shape[d];
  return inner;
}

} // namespace

bool bertc::rt::paddingRemovable(const bertc_model &m, std::string &why) {
  if (!m.rowsIndependent)
    why = "padding removal needs a model whose rows are independent; this " +
          m.family + " model's are not (memory or paired rows)";
  else if (m.staticBatch > 0 || m.staticSeqLen > 0)
    why = "padding removal needs a model compiled without --batch and "
          "--seq-len";
  else
    return true;
  return false;
}

int bertc::rt::runWithoutPadding(bertc_model *m, const bertc_tensor *inputs,
                                 int numInputs,
                                 std::vector<bertc_tensor> &outputs,
                                 bool &handled) {
  handled = false;
  const bertc_tensor *ids = nullptr, *mask = nullptr;
  for (int i = 0; i < numInputs; ++i) {
    if (!inputs[i].name)
      return 0; // runModel reports it
    if (m->inputs[0].name == inputs[i].name)
      ids = &inputs[i];
    if (std::strcmp(inputs[i].name, "attention_mask") == 0)
      mask = &inputs[i];
  }
  if (!ids || !mask || ids->rank != 2 || mask->rank != 2 ||
      mask->shape[0] != ids->shape[0] || mask->shape[1] != ids->shape[1] ||
      ids->shape[0] < 1 || ids->shape[1] < 1)
    return 0;
  int64_t B = ids->shape[0], S = ids->shape[1];
  std::vector<int64_t> lengths = prefixLengths(*mask);
  if (lengths.empty())
    return 0;
  if (*std::min_element(lengths.begin(), lengths.end()) == S)
    return 0; // nothing to remove
  // Which inputs are per token ([B, S] like the ids) and get trimmed; the
  // others (an early-exit threshold) pass as they are.
  std::vector<bool> perToken(numInputs);
  for (int i = 0; i < numInputs; ++i)
    perToken[i] = inputs[i].rank == 2 && inputs[i].shape[0] == B &&
                  inputs[i].shape[1] == S;
  // Errors name rows and positions of the whole batch, not of a part.
  if (checkInputs(m, inputs, numInputs))
    return 1;

  if (m->packedEntry) {
    std::vector<int64_t> offsets{0};
    for (int64_t n : lengths)
      offsets.push_back(offsets.back() + n);
    std::vector<std::vector<uint8_t>> store;
    std::vector<bertc_tensor> packed(inputs, inputs + numInputs);
    for (int i = 0; i < numInputs; ++i)
      if (perToken[i])
        packed[i] = packRows(inputs[i], offsets, store);
    std::vector<bertc_tensor> result;
    if (runModel(m, packed.data(), numInputs, nullptr, result, &offsets))
      return 1;
    std::vector<bertc_tensor> full = paddedOutputs(*m, result, B, S);
    for (size_t o = 0; o < result.size(); ++o) {
      bool tokens = m->outputs[o].tokenAxis;
      size_t unit = unitBytes(result[o], tokens);
      if (!tokens) { // [B, ...] already
        std::memcpy(full[o].data, result[o].data, unit * B);
        continue;
      }
      for (int64_t b = 0; b < B; ++b)
        std::memcpy((uint8_t *)full[o].data + b * S * unit,
                    (const uint8_t *)result[o].data + offsets[b] * unit,
                    lengths[b] * unit);
    }
    freeTensors(result);
    outputs = std::move(full);
    handled = true;
    return 0;
  }

  std::map<int64_t, std::vector<int64_t>> groups; // length -> rows
  for (int64_t b = 0; b < B; ++b)
    groups[lengths[b]].push_back(b);

  std::vector<bertc_tensor> full;
  for (auto &[n, rows] : groups) {
    std::vector<std::vector<uint8_t>> store;
    std::vector<bertc_tensor> part(inputs, inputs + numInputs);
    for (int i = 0; i < numInputs; ++i)
      if (perToken[i])
        part[i] = gatherRows(inputs[i], rows, n, store);
    std::vector<bertc_tensor> result;
    if (runModel(m, part.data(), numInputs, nullptr, result)) {
      freeTensors(full);
      return 1;
    }
    if (full.empty())
      full = paddedOutputs(*m, result, B, S);
    for (size_t o = 0; o < result.size(); ++o) {
      const bertc_tensor &r = result[o];
      // A token output's row is its first n tokens, at the start of the
      // padded row.
      bool tokens = m->outputs[o].tokenAxis;
      size_t unit = unitBytes(r, tokens);
      size_t rowBytes = unit * (size_t)(tokens ? n : 1);
      size_t fullRow = unit * (size_t)(tokens ? S : 1);
      for (size_t k = 0; k < rows.size(); ++k)
        std::memcpy((uint8_t *)full[o].data + rows[k] * fullRow,
                    (const uint8_t *)r.data + k * rowBytes, rowBytes);
    }
    freeTensors(result);
  }
  outputs = std::move(full);
  handled = true;
  return 0;
}
