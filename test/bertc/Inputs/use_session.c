/* A C client of a Transformer-XL library: a session carries the memory
 * across segments (test/bertc/transfoxl-session.test). */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { B = 2, Q = 5, SEGMENTS = 3 };

static const bertc_tensor *find(const bertc_tensor *t, int n, const char *name) {
  for (int i = 0; i < n; ++i)
    if (strcmp(t[i].name, name) == 0)
      return &t[i];
  return NULL;
}

static size_t count(const bertc_tensor *t) {
  size_t c = 1;
  for (int d = 0; d < t->rank; ++d)
    c *= (size_t)t->shape[d];
  return c;
}

int main(void) {
  bertc_model *m = bertc_model_load(NULL);
  if (!m || !bertc_model_has_input(m, "mems")) {
    fprintf(stderr, "error: %s\n", m ? "no memory" : bertc_last_error());
    return 1;
  }
  bertc_session *s = bertc_session_new(m);
  int64_t ids[SEGMENTS][B][Q];
  for (int k = 0; k < SEGMENTS; ++k)
    for (int b = 0; b < B; ++b)
      for (int t = 0; t < Q; ++t)
        ids[k][b][t] = (7 * k + 13 * b + 29 * t) % 99;

  /* The same segments through the session and through explicit mems.*. */
  bertc_tensor *mems = NULL;
  int numMems = 0, same = 1;
  float *first = NULL;
  size_t firstCount = 0;
  for (int k = 0; k < SEGMENTS; ++k) {
    bertc_tensor in = {"input_ids", BERTC_I64, 2, {B, Q}, ids[k]};
    bertc_tensor *a, *b;
    int na, nb;
    if (bertc_session_run(s, &in, 1, &a, &na) != 0) {
      fprintf(stderr, "error: %s\n", bertc_last_error());
      return 1;
    }
    bertc_tensor explicitIn[8];
    explicitIn[0] = in;
    for (int i = 0; i < numMems; ++i)
      explicitIn[1 + i] = mems[i];
    if (bertc_model_run(m, explicitIn, 1 + numMems, &b, &nb) != 0) {
      fprintf(stderr, "error: %s\n", bertc_last_error());
      return 1;
    }
    const bertc_tensor *pa = find(a, na, "prediction_scores");
    const bertc_tensor *pb = find(b, nb, "prediction_scores");
    printf("segment %d: %d session output(s), prediction_scores [%lld, %lld, %lld]\n",
           k, na, (long long)pa->shape[0], (long long)pa->shape[1],
           (long long)pa->shape[2]);
    same &= memcmp(pa->data, pb->data, count(pa) * sizeof(float)) == 0;
    if (k == 0) {
      firstCount = count(pa);
      first = malloc(firstCount * sizeof(float));
      memcpy(first, pa->data, firstCount * sizeof(float));
    }
    bertc_tensors_free(a, na);
    bertc_tensors_free(mems, numMems);
    /* Keep the explicit run's new mems.* for the next explicit run. */
    numMems = 0;
    mems = calloc(nb, sizeof(bertc_tensor));
    for (int i = 0; i < nb; ++i)
      if (strncmp(b[i].name, "mems.", 5) == 0) {
        mems[numMems] = b[i];
        mems[numMems].name = strdup(b[i].name);
        mems[numMems].data = malloc(count(&b[i]) * sizeof(float));
        memcpy(mems[numMems].data, b[i].data, count(&b[i]) * sizeof(float));
        ++numMems;
      }
    bertc_tensors_free(b, nb);
  }
  printf("session equals explicit mems: %s\n", same ? "yes" : "no");

  bertc_tensor *state;
  int numState;
  if (bertc_session_memory(s, &state, &numState) != 0)
    return 1;
  printf("memory: %d layers, %s [%lld, %lld, %lld], equal to explicit: %s\n",
         numState, state[0].name, (long long)state[0].shape[0],
         (long long)state[0].shape[1], (long long)state[0].shape[2],
         memcmp(state[numState - 1].data, mems[numMems - 1].data,
                count(&state[0]) * sizeof(float)) == 0 ? "yes" : "no");
  bertc_tensors_free(state, numState);

  /* Errors are reported and leave the session usable. */
  int64_t one[1][Q] = {{1, 2, 3, 4, 5}};
  bertc_tensor other = {"input_ids", BERTC_I64, 2, {1, Q}, one};
  bertc_tensor *o;
  int no;
  if (bertc_session_run(s, &other, 1, &o, &no) == 0)
    return 1;
  printf("rejected: %s\n", bertc_last_error());
  bertc_tensor withMems[2] = {{"input_ids", BERTC_I64, 2, {B, Q}, ids[0]}, mems[0]};
  if (bertc_session_run(s, withMems, 2, &o, &no) == 0)
    return 1;
  printf("rejected: %s\n", bertc_last_error());

  /* After a reset the session starts over from the default memory. */
  bertc_session_reset(s);
  bertc_tensor in0 = {"input_ids", BERTC_I64, 2, {B, Q}, ids[0]};
  if (bertc_session_run(s, &in0, 1, &o, &no) != 0)
    return 1;
  printf("reset repeats segment 0: %s\n",
         memcmp(o[0].data, first, firstCount * sizeof(float)) == 0 ? "yes" : "no");
  bertc_tensors_free(o, no);
  bertc_tensors_free(mems, numMems);
  free(first);
  bertc_session_free(s);
  bertc_model_free(m);
  return 0;
}
