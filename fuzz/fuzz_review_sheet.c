/*
 * fuzz_review_sheet.c — the review store's two text parsers over arbitrary
 * bytes: the CSV sheet reader (a decision sheet a person edited) and the
 * routing JSON. Either accepts or refuses with an error; it must never
 * crash, leak or read past the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "review/review.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  review_csv_reader r;
  relief_error err;
  review_csv_init(&r, (const char *)data, size, "fuzz.csv");
  int got;
  while ((got = review_csv_next(&r, &err)) == 1)
    for (int i = 0; i < r.n_fields; i++)
      if (!r.fields[i]) abort();
  review_csv_free(&r);
  char *json = malloc(size + 1);
  memcpy(json, data, size);
  json[size] = 0;
  review_routing rt;
  if (review_routing_parse(json, "fuzz.json", &rt, &err) == RELIEF_OK) {
    review_route_match(&rt, "PASADENA", true, "11359 HS");
    review_routing_free(&rt);
  }
  free(json);
  return 0;
}
