//===- Safetensors.cpp - safetensors reading and writing -------------------===//

#include "Safetensors.h"
#include "Json.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bertc::rt {

namespace {
struct DtypeEntry {
  bertc_dtype dtype;
  const char *name;
  size_t size;
};
constexpr DtypeEntry kDtypes[] = {
    {BERTC_F32, "F32", 4}, {BERTC_F16, "F16", 2},  {BERTC_BF16, "BF16", 2},
    {BERTC_F64, "F64", 8}, {BERTC_I64, "I64", 8},  {BERTC_I32, "I32", 4},
    {BERTC_I16, "I16", 2}, {BERTC_I8, "I8", 1},    {BERTC_U8, "U8", 1},
    {BERTC_BOOL, "BOOL", 1}};
constexpr uint64_t kMaxHeader = 100u << 20; // as the reference implementation
} // namespace

size_t dtypeSize(bertc_dtype dtype) {
  for (const auto &d : kDtypes)
    if (d.dtype == dtype)
      return d.size;
  return 0;
}

const char *dtypeName(bertc_dtype dtype) {
  for (const auto &d : kDtypes)
    if (d.dtype == dtype)
      return d.name;
  return "?";
}

bool parseDtype(const std::string &name, bertc_dtype &out) {
  for (const auto &d : kDtypes)
    if (name == d.name) {
      out = d.dtype;
      return true;
    }
  return false;
}

int64_t TensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_)
    munmap(map_, size_);
}

const TensorInfo *SafetensorsFile::find(const std::string &name) const {
  for (const auto &t : tensors_)
    if (t.name == name)
      return &t;
  return nullptr;
}

std::vector<bertc_tensor> SafetensorsFile::views() const {
  std::vector<bertc_tensor> out;
  for (const TensorInfo &t : tensors_) {
    bertc_tensor bt{};
    bt.name = t.name.c_str();
    bt.dtype = t.dtype;
    bt.rank = (int)t.shape.size(); // parse() bounds it by BERTC_MAX_RANK
    for (int d = 0; d < bt.rank; ++d)
      bt.shape[d] = t.shape[d];
    bt.data = const_cast<uint8_t *>(t.data); // inputs are only read
    out.push_back(bt);
  }
  return out;
}

bool SafetensorsFile::open(const std::string &path, std::string &error) {
  path_ = path;
  auto fail = [&](const std::string &msg) {
    error = "'" + path + "': " + msg;
    return false;
  };
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0)
    return fail(std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail("not a regular file");
  }
  size_ = (size_t)st.st_size;
  if (size_ < 8) {
    ::close(fd);
    return fail("too short for a safetensors file (" + std::to_string(size_) +
                " bytes)");
  }
  map_ = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    return fail(std::string("cannot map: ") + std::strerror(errno));
  }
  std::string why;
  if (!parse((const uint8_t *)map_, size_, why)) {
    error = "'" + path + "': " + why;
    return false;
  }
  return true;
}

bool SafetensorsFile::parse(const uint8_t *bytes, size_t size,
                            std::string &error) {
  tensors_.clear();
  auto fail = [&](const std::string &msg) {
    error = msg;
    return false;
  };
  if (size < 8)
    return fail("too short for a safetensors file (" + std::to_string(size) +
                " bytes)");
  uint64_t headerLen = 0;
  for (int i = 7; i >= 0; --i)
    headerLen = (headerLen << 8) | bytes[i];
  if (headerLen > kMaxHeader)
    return fail("header length " + std::to_string(headerLen) +
                " exceeds the 100 MB limit");
  if (headerLen > size - 8)
    return fail("header length " + std::to_string(headerLen) +
                " runs past the end of the file");
  JsonValue header;
  std::string jsonError;
  if (!parseJson((const char *)bytes + 8, headerLen, header, jsonError))
    return fail("bad header JSON: " + jsonError);
  if (header.kind != JsonValue::Object)
    return fail("header is not a JSON object");

  const uint8_t *dataStart = bytes + 8 + headerLen;
  uint64_t dataSize = size - 8 - headerLen;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto &[name, entry] : header.object) {
    if (name == "__metadata__") {
      if (entry.kind != JsonValue::Object)
        return fail("__metadata__ is not an object");
      continue;
    }
    const JsonValue *dtype = entry.get("dtype");
    const JsonValue *shape = entry.get("shape");
    const JsonValue *offsets = entry.get("data_offsets");
    if (entry.kind != JsonValue::Object || !dtype || !shape || !offsets ||
        dtype->kind != JsonValue::String || shape->kind != JsonValue::Array ||
        offsets->kind != JsonValue::Array || offsets->array.size() != 2)
      return fail("tensor '" + name +
                  "' needs dtype, shape and data_offsets [begin, end]");
    TensorInfo t;
    t.name = name;
    if (!parseDtype(dtype->string, t.dtype))
      return fail("tensor '" + name + "' has unknown dtype '" +
                  dtype->string + "'");
    if (shape->array.size() > BERTC_MAX_RANK)
      return fail("tensor '" + name + "' has rank above " +
                  std::to_string(BERTC_MAX_RANK));
    uint64_t bytesNeeded = dtypeSize(t.dtype);
    for (const auto &d : shape->array) {
      if (d.kind != JsonValue::Number || !d.isInteger || d.integer < 0)
        return fail("tensor '" + name + "' has a bad dimension");
      t.shape.push_back(d.integer);
      if (d.integer != 0 &&
          bytesNeeded > UINT64_MAX / (uint64_t)d.integer)
        return fail("tensor '" + name + "' is too large");
      bytesNeeded *= (uint64_t)d.integer;
    }
    const JsonValue &b = offsets->array[0], &e = offsets->array[1];
    if (b.kind != JsonValue::Number || !b.isInteger || b.integer < 0 ||
        e.kind != JsonValue::Number || !e.isInteger || e.integer < b.integer)
      return fail("tensor '" + name + "' has bad data_offsets");
    uint64_t begin = b.integer, end = e.integer;
    if (end > dataSize)
      return fail("tensor '" + name + "' data runs past the end of the file");
    if (end - begin != bytesNeeded)
      return fail("tensor '" + name + "' has " + std::to_string(end - begin) +
                  " bytes, its shape and dtype need " +
                  std::to_string(bytesNeeded));
    t.data = dataStart + begin;
    t.bytes = bytesNeeded;
    ranges.emplace_back(begin, end);
    tensors_.push_back(std::move(t));
  }
  // The tensors must tile the data area exactly: no overlap, gap or tail.
  std::sort(ranges.begin(), ranges.end());
  uint64_t cursor = 0;
  for (const auto &[begin, end] : ranges) {
    if (begin != cursor)
      return fail(begin < cursor ? "tensor data ranges overlap"
                                 : "gap between tensor data ranges");
    cursor = end;
  }
  if (cursor != dataSize)
    return fail("trailing bytes after the last tensor");
  return true;
}

bool writeSafetensors(const std::string &path,
                      const std::vector<OutTensor> &tensors,
                      std::string &error) {
  std::string header = "{";
  uint64_t offset = 0;
  std::vector<uint64_t> sizes;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const OutTensor &t = tensors[i];
    uint64_t n = dtypeSize(t.dtype);
    for (int64_t d : t.shape)
      n *= (uint64_t)d;
    sizes.push_back(n);
    if (i)
      header += ",";
    appendJsonString(header, t.name);
    header += ":{\"dtype\":\"";
    header += dtypeName(t.dtype);
    header += "\",\"shape\":[";
    for (size_t j = 0; j < t.shape.size(); ++j)
      header += (j ? "," : "") + std::to_string(t.shape[j]);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + n) + "]}";
    offset += n;
  }
  header += "}";
  while ((header.size() + 8) % 8)
    header += ' ';

  std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    error = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  uint8_t len[8];
  uint64_t h = header.size();
  for (int i = 0; i < 8; ++i)
    len[i] = (uint8_t)(h >> (8 * i));
  bool ok = std::fwrite(len, 1, 8, f) == 8 &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size();
  for (size_t i = 0; ok && i < tensors.size(); ++i)
    ok = std::fwrite(tensors[i].data, 1, sizes[i], f) == sizes[i];
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot write '" + path + "': " + std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

static bool isDir(const std::string &p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
static bool isFile(const std::string &p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
static bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool resolveWeightFiles(const std::string &path,
                        std::vector<std::string> &files, std::string &error) {
  std::string p = path;
  if (isDir(p)) {
    if (isFile(p + "/model.safetensors"))
      p += "/model.safetensors";
    else if (isFile(p + "/model.safetensors.index.json"))
      p += "/model.safetensors.index.json";
    else {
      error = "'" + path +
              "': no model.safetensors or model.safetensors.index.json there";
      return false;
    }
  }
  if (!isFile(p)) {
    error = "'" + p + "': no such file";
    return false;
  }
  if (!endsWith(p, ".index.json")) {
    files.push_back(p);
    return true;
  }
  // A sharded checkpoint: the index maps each tensor to its shard.
  FILE *f = std::fopen(p.c_str(), "rb");
  if (!f) {
    error = "'" + p + "': " + std::strerror(errno);
    return false;
  }
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() < kMaxHeader)
    text.append(buf, n);
  std::fclose(f);
  JsonValue index;
  std::string jsonError;
  if (!parseJson(text.data(), text.size(), index, jsonError)) {
    error = "'" + p + "': bad JSON: " + jsonError;
    return false;
  }
  const JsonValue *map = index.get("weight_map");
  if (!map || map->kind != JsonValue::Object) {
    error = "'" + p + "': no weight_map object";
    return false;
  }
  std::string dir = p.substr(0, p.find_last_of('/') + 1);
  std::set<std::string> seen;
  for (const auto &[name, shard] : map->object) {
    if (shard.kind != JsonValue::String || shard.string.empty() ||
        shard.string.find('/') != std::string::npos) {
      error = "'" + p + "': bad shard name for tensor '" + name + "'";
      return false;
    }
    if (seen.insert(shard.string).second)
      files.push_back(dir + shard.string);
  }
  return true;
}

} // namespace bertc::rt
