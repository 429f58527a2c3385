/*
 * fuzz_options.c — options_parse over arbitrary bytes: it accepts or
 * rejects (naming an option), and what it accepts is always in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  relief_options opt;
  relief_error err;
  relief_status st = options_parse((const char *)data, size, "fuzz.json", size % 2, &opt, &err);
  if (st != RELIEF_OK) {
    if (st != RELIEF_E_USAGE && st != RELIEF_E_IO) abort();
    if (!memchr(err.message, 0, sizeof err.message)) abort();
    return 0;
  }
  if (opt.n_dismiss < 0 || opt.n_dismiss > 4 || opt.n_reduce < 0 || opt.n_reduce > 4) abort();
  for (int i = 0; i < opt.n_dismiss; i++)
    if (opt.dismiss[i] < 1 || opt.dismiss[i] > 4) abort();
  for (int i = 0; i < opt.n_reduce; i++)
    if (opt.reduce[i] < 1 || opt.reduce[i] > 4) abort();
  if (opt.age_threshold && (opt.age_threshold < 40 || opt.age_threshold > 65)) abort();
  if (opt.years_since_conviction &&
      (opt.years_since_conviction < 1 || opt.years_since_conviction > 15))
    abort();
  if (opt.years_crime_free && (opt.years_crime_free < 1 || opt.years_crime_free > 15)) abort();
  relief_flow flow;
  flow_configurable(&flow, &opt);
  if (flow.n_rows < 1 || flow.n_rows > RELIEF_FLOW_MAX_ROWS) abort();
  return 0;
}
