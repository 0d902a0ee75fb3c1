/*===- bertc_runtime.h - C API of programs and libraries made by bertc ---===*
 *
 * A model compiled with `bertc compile --emit=lib` is a shared library with
 * this API; executables made by bertc use the same functions internally.
 * No MLIR or LLVM dependency.
 *
 *   bertc_model *m = bertc_model_load(NULL);          // compiled-in weights
 *   if (!m) { fprintf(stderr, "%s\n", bertc_last_error()); ... }
 *   bertc_tensor in[1] = {{"input_ids", BERTC_I64, 2, {1, 8}, ids}};
 *   bertc_tensor *out; int n;
 *   if (bertc_model_run(m, in, 1, &out, &n) != 0) { ... }
 *   ... out[i].name, out[i].shape, (float *)out[i].data ...
 *   bertc_tensors_free(out, n);
 *   bertc_model_free(m);
 *===----------------------------------------------------------------------===*/

#ifndef BERTC_RUNTIME_H
#define BERTC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BERTC_MAX_RANK 8

typedef enum {
  BERTC_F32 = 0,
  BERTC_F16,
  BERTC_BF16,
  BERTC_F64,
  BERTC_I64,
  BERTC_I32,
  BERTC_I16,
  BERTC_I8,
  BERTC_U8,
  BERTC_BOOL
} bertc_dtype;

typedef struct {
  const char *name;              /* Hugging Face argument / output name */
  bertc_dtype dtype;
  int rank;
  int64_t shape[BERTC_MAX_RANK];
  void *data;                    /* row-major, contiguous */
} bertc_tensor;

typedef struct bertc_model bertc_model;

/* Loads the weights (a .safetensors file, a sharded *.index.json, or a
 * directory holding either; NULL for the file the model was compiled from)
 * and checks every parameter's name, dtype and shape. NULL on error. */
bertc_model *bertc_model_load(const char *weights_path);

/* Runs the model. Inputs are validated (names, dtypes, shapes, id ranges,
 * lengths); missing optional inputs take the Hugging Face defaults, and an
 * early-exit model's "speed" (one F32 value in [0, 1]) the model's. On
 * success returns 0 and a malloc'ed array of outputs owned by the caller. */
int bertc_model_run(bertc_model *model, const bertc_tensor *inputs,
                    int num_inputs, bertc_tensor **outputs, int *num_outputs);

/* Padding removal (BERT, RoBERTa, ALBERT, FastBERT; default: off, or on for
 * models compiled with --remove-padding). When every row of attention_mask
 * is ones then zeros, each row is computed at its own length (rows of one
 * length together), so a mixed-length batch costs its valid tokens, not
 * batch x longest. Valid positions match the padded run; token outputs hold
 * zeros at padding positions instead of what a padded run computes there.
 * Other masks run the padded batch. Returns 0, or 1 for a model that cannot
 * split its rows (memory-recurrent, or compiled with --batch/--seq-len). */
int bertc_model_remove_padding(bertc_model *model, int remove);

void bertc_tensors_free(bertc_tensor *tensors, int num_tensors);
void bertc_model_free(bertc_model *model);

/* Worker threads of the compiled code (process-wide; default: one per core,
 * or OMP_NUM_THREADS). Returns 0, or 1 for threads < 1. Programs compiled
 * with --threads=off always run on the calling thread. */
int bertc_set_threads(int threads);
int bertc_get_threads(void);

/* The model's description (JSON): architecture, inputs, outputs, params. */
const char *bertc_model_info(const bertc_model *model);

/* 1 if the model takes an input of that name (e.g. "speed" for early-exit
 * models, "mems" for memory-recurrent ones: inputs mems.0 ...), else 0. */
int bertc_model_has_input(const bertc_model *model, const char *name);

/* Sessions: memory that persists across calls, for memory-recurrent models
 * (Transformer-XL, XLNet; bertc_model_has_input(m, "mems") is 1). Each run takes
 * one segment (input_ids [B, Q], no mems.*), attends over the memory of
 * the previous segments and keeps the new memory; outputs are the model's
 * without mems.*. The first run (and the first after a reset) starts from
 * the default memory, as transformers does (Transformer-XL: zeros of length
 * mem_len; XLNet: none); a session's batch size is
 * fixed until it is reset. A session belongs to one thread at a time.
 *
 *   bertc_session *s = bertc_session_new(m);
 *   for each segment: bertc_session_run(s, in, 1, &out, &n); ...
 *   bertc_session_free(s);                  // before bertc_model_free(m)
 */
typedef struct bertc_session bertc_session;
bertc_session *bertc_session_new(bertc_model *model); /* NULL on error */
int bertc_session_run(bertc_session *session, const bertc_tensor *inputs,
                      int num_inputs, bertc_tensor **outputs,
                      int *num_outputs);
void bertc_session_reset(bertc_session *session);
/* The current memory as mems.0 ... (caller frees with bertc_tensors_free). */
int bertc_session_memory(const bertc_session *session, bertc_tensor **outputs,
                         int *num_outputs);
void bertc_session_free(bertc_session *session);

/* The message of the last failed call on this thread ("" if none). */
const char *bertc_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* BERTC_RUNTIME_H */
