/* Loads a model compiled with --emit=lib and reports what went wrong
   (test/bertc/cuda-target.test: a GPU library on a machine without one). */
#include "model.h"

#include <stdio.h>

int main(int argc, char **argv) {
  bertc_model *m = bertc_model_load(argc > 1 ? argv[1] : NULL);
  if (!m) {
    fprintf(stderr, "error: %s\n", bertc_last_error());
    return 1;
  }
  printf("loaded\n");
  bertc_model_free(m);
  return 0;
}
