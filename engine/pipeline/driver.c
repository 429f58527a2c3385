/*
 * pipeline/driver.c — the one driver of a job's plan: parse -> group ->
 * evaluate -> emit, each stage given its settings from the plan, and the
 * accessors through which a job reads back what the stages made.
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "pipeline/exchange.h"

/* A pipeline with plan's settings, nothing run yet; with a transport, set
 * up across its ranks. */
static pipeline *pipeline_new(const pipeline_plan *plan) {
  pipeline *pl = xcalloc(1, sizeof *pl);
  pl->merged = plan->mode == PLAN_MERGED;
  pl->keep_keys = plan->keep_keys;
  pl->trace = plan->trace;
  pl->review_files = plan->review_files;
  pl->forms = plan->forms;
  pl->no_results = plan->no_results;
  pl->memory_limit = plan->memory_limit;
  pl->scratch_pub = plan->scratch_pub;
  pl->scratch_dir = plan->scratch_dir;
  pl->redaction = plan->redaction;
  pl->classifier = plan->classifier;
  pl->compute_day = plan->compute_day;
  pl->progress = plan->progress;
  pl->progress_user = plan->progress_user;
  pl->format_result = plan->format_result;
  pl->collect = plan->collector;
  pl->n_threads = plan->threads;
  pl->run_county = -1;
  flow_dismiss_all_prop64(&pl->dismiss_all);
  if (plan->transport && pl->merged) dist_begin(pl, plan);
  return pl;
}

/* The county plans: the caller's one (run mode), else one per county seen
 * on a conviction, named by the driver and filled by the job. */
void pipeline_county_plans(pipeline *pl, const pipeline_plan *plan) {
  if (!pl->merged) {
    pl->run_county = (int)intern_get(&pl->counties, plan->county, strlen(plan->county));
    pl->plans = plan->plan;
    pl->n_plans = 1;
    return;
  }
  pl->n_plans = pl->counties.n;
  pl->plans = xcalloc(pl->n_plans ? pl->n_plans : 1, sizeof *pl->plans);
  pl->own_plans = true;
  for (size_t k = 0; k < pl->n_plans; k++) {
    pl->plans[k].name = intern_str(&pl->counties, (uint32_t)k, NULL);
    if (plan->plan_county) plan->plan_county(plan->plan_user, &pl->plans[k]);
  }
}

/* Decides every person: in memory, or spilled partitions batch by batch. */
static relief_status decide(pipeline *pl, relief_error *err) {
  if (!pl->spill) {
    pipeline_evaluate(pl);
    return RELIEF_OK;
  }
  return spill_evaluate(pl, err);
}

relief_status pipeline_drive(const pipeline_plan *plan, pipeline **out, relief_error *err) {
  pipeline *pl = *out = pipeline_new(plan);
  if (pl->dist) return dist_drive(plan, pl, err);
  relief_status st = pipeline_parse(pl, plan->inputs, plan->n_inputs, err);
  if (st) return st;
  /* run mode names its county among the parsed ones before grouping */
  if (!pl->merged) pipeline_county_plans(pl, plan);
  pipeline_group(pl);
  if (pl->merged) pipeline_county_plans(pl, plan);
  if (plan->stages == PLAN_DECIDE) st = decide(pl, err);
  if (!st && plan->stages == PLAN_DECIDE && pl->collect && pl->collect->end)
    pl->collect->end(pl->collect->user, pl);
  /* the bytes decided must still be the files': else nothing is published */
  if (!st) st = pipeline_check_inputs(pl, err);
  if (!st && plan->sinks.emit) st = plan->sinks.emit(plan->sinks.user, pl, err);
  if (!st && plan->collect) st = plan->collect(plan->sinks.user, pl, err);
  if (!st) st = pipeline_check_inputs(pl, err);
  return st;
}

void pipeline_destroy(pipeline *pl) {
  if (!pl) return;
  dist_free(pl); /* the decider and the view share the plans and tables */
  if (pl->plans)
    for (size_t k = 0; k < pl->n_plans; k++)
      for (int f = 0; f < BUNDLE_FILES; f++) {
        pub_file_close(pl->plans[k].files[f], NULL); /* those a failure left open */
        pl->plans[k].files[f] = NULL;
      }
  if (pl->own_plans) free(pl->plans);
  pipeline_free_arenas(pl);
  pipeline_free(pl);
  free(pl);
}

/* ---- accessors ---- */

/* across ranks, the counts are every rank's once decided */
size_t pipeline_rows(const pipeline *pl) {
  return pl->dist && pl->dist->folded ? (size_t)pl->dist->rows : pl->n_rows;
}

size_t pipeline_people(const pipeline *pl) {
  return pl->dist && pl->dist->folded ? (size_t)pl->dist->people : pl->n_people;
}

int64_t pipeline_duplicate_rows(const pipeline *pl) {
  return pl->dist && pl->dist->folded ? pl->dist->duplicate_rows : pl->duplicate_rows;
}

int pipeline_threads(const pipeline *pl) { return pl->n_threads; }
int pipeline_n_inputs(const pipeline *pl) { return pl->n_inputs; }

uint64_t pipeline_input_stored_size(const pipeline *pl, int input) {
  return pl->inputs[input].stored_size;
}

const char *pipeline_input_hash(const pipeline *pl, int input) {
  return pl->inputs[input].xxh3_128;
}

county_plan *pipeline_plans(const pipeline *pl, size_t *n) {
  *n = pl->n_plans;
  return pl->plans;
}

const relief_summary *pipeline_person_totals(const pipeline *pl) { return &pl->statewide; }

void pipeline_spill_stats(const pipeline *pl, int64_t *partitions, uint64_t *bytes) {
  *partitions = 0;
  *bytes = 0;
  if (pl->dist) {
    *partitions = pl->dist->spilled_partitions;
    *bytes = pl->dist->spill_bytes;
  } else if (pl->spill) {
    spill_stats(pl, partitions, bytes);
  }
}

int pipeline_run_county(const pipeline *pl) { return pl->run_county; }

relief_eval_ctx pipeline_eval_ctx(const pipeline *pl) {
  return (relief_eval_ctx){pl->classes, pl->compute_day, pl->section_text, pl->section_len};
}

void pipeline_each_person(const pipeline *pl, void (*fn)(void *user, relief_person *p),
                          void *user) {
  person_history history = {0};
  for (size_t p = 0; p < pl->n_people; p++) {
    relief_person person;
    person_build(&pl->table, pl->order + pl->first[p], pl->first[p + 1] - pl->first[p], &history,
                 &person);
    if (person.n_convictions) fn(user, &person);
  }
  person_history_free(&history);
}

bool pipeline_find_person(const pipeline *pl, XXH128_hash_t key, size_t *person) {
  for (size_t s = 0; s < pl->n_segs; s++) {
    const segment_t *seg = &pl->segs[s];
    if (!seg->keys) continue;
    for (size_t j = 0; j < seg->n_rows; j++)
      if (seg->keys[j].low64 == key.low64 && seg->keys[j].high64 == key.high64) {
        *person = seg->rows[j].person;
        return true;
      }
  }
  return false;
}
