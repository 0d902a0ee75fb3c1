/* A C client of a model compiled with --emit=lib (test/bertc/emit-lib.test). */
#include "model.h"

#include <stdio.h>

int main(int argc, char **argv) {
  /* Worker threads: at least one; the count is process-wide. */
  if (bertc_set_threads(0) == 0)
    return 1;
  printf("threads: %s\n", bertc_last_error());
  if (bertc_set_threads(2) != 0 || bertc_get_threads() != 2)
    return 1;
  bertc_model *m = bertc_model_load(argc > 1 ? argv[1] : NULL);
  if (!m) {
    fprintf(stderr, "error: %s\n", bertc_last_error());
    return 1;
  }
  int64_t ids[2][5] = {{1, 5, 7, 9, 2}, {3, 4, 98, 0, 0}};
  int64_t mask[2][5] = {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}};
  bertc_tensor in[2] = {{"input_ids", BERTC_I64, 2, {2, 5}, ids},
                        {"attention_mask", BERTC_I64, 2, {2, 5}, mask}};
  bertc_tensor *out;
  int n;
  if (bertc_model_run(m, in, 2, &out, &n) != 0) {
    fprintf(stderr, "error: %s\n", bertc_last_error());
    return 1;
  }
  for (int i = 0; i < n; ++i) {
    printf("%s rank=%d shape=[", out[i].name, out[i].rank);
    for (int d = 0; d < out[i].rank; ++d)
      printf(d ? ",%lld" : "%lld", (long long)out[i].shape[d]);
    printf("]\n");
  }

  /* Padding removal: row 1 runs at length 3. Its valid positions match the
   * padded run, its padding positions hold zeros. */
  if (bertc_model_remove_padding(m, 1) != 0)
    return 1;
  bertc_tensor *trimmed;
  int nt;
  if (bertc_model_run(m, in, 2, &trimmed, &nt) != 0 || nt != n)
    return 1;
  const float *full = out[0].data, *part = trimmed[0].data;
  int64_t width = out[0].shape[2];
  double worst = 0;
  int zeros = 0;
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 5; ++t)
      for (int64_t c = 0; c < width; ++c) {
        int64_t i = (b * 5 + t) * width + c;
        double d = full[i] > part[i] ? full[i] - part[i] : part[i] - full[i];
        if (mask[b][t] && d > worst)
          worst = d;
        else
          zeros += part[i] == 0.0f;
      }
  printf("padding removed: max difference %s, %d of %d padding values 0\n",
         worst < 1e-5 ? "below 1e-5" : "ABOVE 1e-5", zeros, 2 * (int)width);
  bertc_tensors_free(trimmed, nt);
  bertc_tensors_free(out, n);

  /* A bad input is reported, not fatal: the model stays usable. Positions
   * are the batch's, also when padding is removed. */
  ids[1][2] = 99;
  if (bertc_model_run(m, in, 2, &out, &n) == 0)
    return 1;
  printf("rejected: %s\n", bertc_last_error());
  bertc_model_remove_padding(m, 0);
  if (bertc_model_run(m, in, 2, &out, &n) == 0)
    return 1;
  printf("rejected: %s\n", bertc_last_error());
  bertc_model_free(m);
  return 0;
}
