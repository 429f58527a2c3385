/*
 * pipeline/exchange.h — a merged plan across a transport's ranks, private
 * to pipeline/: segments parsed round robin, their facts and strings
 * shared, rows sent to the rank owning their person partition, decided
 * rows sent back to the rank that writes their segment (exchange.c), and
 * the driver's stages over them (distribute.c).
 */
#ifndef RELIEF_PIPELINE_EXCHANGE_H
#define RELIEF_PIPELINE_EXCHANGE_H

#include "pipeline/pipeline_int.h"

typedef struct pipeline_dist {
  const pipeline_transport *t;
  size_t (*result_bytes)(const struct row_result *r); /* the plan's */
  uint64_t bundle_limit;     /* a bundle's rows stay in memory: each rank's must fit */
  size_t *seg_rows;          /* per segment: its rows over all ranks (after parse) */
  size_t emit_from, emit_to; /* this rank's contiguous segments to write */
  char *results_buf;         /* result records received for emit (kept until written) */
  size_t *first_row;         /* per written segment: its first row's number here */
  int *capture_rank;         /* --forms, per row written here: the rank that decided it */
  bool too_big;              /* an exchange could not move (too_big_err says why) */
  relief_error too_big_err;
  pipeline dp, ep; /* the decider of this rank's partitions; the writer's view */
  /* ranks > 0: their share of each county file ([plan * BUNDLE_FILES + f]),
   * without the header line rank 0 writes */
  relief_buf *parts;
  bool *headed;
  /* over all ranks, once decided */
  int64_t rows, people, duplicate_rows, spilled_partitions;
  uint64_t spill_bytes;
  int64_t *input_rows; /* [2 * input]: read, refused as copies */
  bool folded;         /* the counts above are every rank's */
  bool gathered;       /* the emit sink called pipeline_emit_gather */
  pipeline_transport_stats stats;
} pipeline_dist;

/* The plan's transport set up on pl (pipeline_new): the hooks, the thread
 * count every rank shares, progress on rank 0 only, spilling by share. */
void dist_begin(pipeline *pl, const pipeline_plan *plan);

/* pipeline_drive across the transport, after pipeline_new. */
relief_status dist_drive(const pipeline_plan *plan, pipeline *pl, relief_error *err);

/* Frees what dist holds (pipeline_destroy). */
void dist_free(pipeline *pl);

/* pipeline_write across ranks: rank 0 writes plan's file; the others keep
 * their share, without its header line, for pipeline_emit_gather. */
relief_status dist_write(pipeline *pl, size_t plan, int file, const void *data, size_t len,
                         relief_error *err);

/* ---- exchange.c ---- */

/* d->too_big_err when an exchange could not move. */
relief_status exchange_check(const pipeline_dist *d, relief_error *err);

/* mine (padded to 8 bytes) to every rank, this one included: what every
 * rank shared, back to back in rank order (rank r's from at[r] to at[r + 1]). */
char *exchange_share_all(pipeline_dist *d, relief_buf *mine, size_t *at);

/* Installs the hooks: segment i is parsed by rank i % size. */
void exchange_install(pipeline *pl);

/* After pipeline_parse: every segment's row count over all ranks, and the
 * contiguous segments (by bytes) each rank writes. */
void exchange_after_parse(pipeline *pl);

/* Sends every parsed row to the rank of its person partition and builds
 * there the pipeline dp that groups and decides them (sharing pl's tables,
 * plans and inputs). The rows leave pl (freed). orig_j: per segment, each
 * row's index in its segment when pl holds a batch read back from spill
 * files (NULL: the rows are the segment's, in order). */
void exchange_rows(pipeline *pl, pipeline *dp, uint32_t *const *orig_j);

/* Sends each decided row (its flags, county, the counties it is written
 * to, its result record) to the rank writing its segment, and builds there
 * the pipeline view ep that output_emit writes from. */
void exchange_results(pipeline *pl, pipeline *dp, pipeline *ep);

/* --forms, after output_emit: sends the text emit captured to the ranks
 * that decided the rows, so that they can build the motions. */
void exchange_captured(pipeline *ep, pipeline *dp);

/* Frees what exchange_rows and exchange_results built. */
void exchange_free_decider(pipeline *dp);
void exchange_free_view(pipeline *ep);

#endif
