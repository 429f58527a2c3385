/*
 * pipeline/exchange.h — the statewide pipeline across MPI ranks (relief-mpi
 * only): segments parsed round robin, their facts and strings shared, rows
 * sent to the rank owning their person partition, decided rows sent back to
 * the rank that writes their segment.
 */
#ifndef RELIEF_PIPELINE_EXCHANGE_H
#define RELIEF_PIPELINE_EXCHANGE_H

#include <mpi.h>

#include "pipeline/pipeline_int.h"

typedef struct {
  MPI_Comm comm;
  int rank, size;
  size_t *seg_rows;                   /* per segment: its rows over all ranks (after parse) */
  size_t emit_from, emit_to;          /* this rank's contiguous segments to write */
  char *results_buf;                  /* result records received for emit (kept until written) */
  size_t *first_row;                  /* per written segment: its first row's number here */
  int *capture_rank;                  /* --forms, per row written here: the rank that decided it */
  uint64_t bytes_rows, bytes_results; /* sent by this rank */
  double t_rows, t_results;           /* seconds in each exchange */
  bool told;                          /* this rank's failure came from another rank */
  bool too_big;                       /* an exchange was over MPI's int counts (see exchange_check) */
  /* a result record's bytes (output/ formats them; this layer only moves
   * them, 8-byte aligned) */
  size_t (*result_bytes)(const struct row_result *r);
} mpi_job;

/* RELIEF_E_IO when an exchange was over MPI's int counts (2 GiB between
 * two ranks). The row and result exchanges agree on it, so every rank
 * sees it; the others (segment facts and strings) become agreed at the
 * caller's next agreement. Such an exchange moves nothing. */
relief_status exchange_check(const mpi_job *m, relief_error *err);

/* Installs the hooks: segment i is parsed by rank i % size. */
void exchange_install(pipeline *pl, mpi_job *m);

/* After pipeline_parse: every segment's row count over all ranks, and the
 * contiguous segments (by bytes) each rank writes. */
void exchange_after_parse(pipeline *pl, mpi_job *m);

/* Sends every parsed row to the rank of its person partition and builds
 * there the pipeline dp that groups and decides them (sharing pl's tables,
 * plans and inputs). The rows leave pl (freed). orig_j: per segment, each
 * row's index in its segment when pl holds a batch read back from spill
 * files (NULL: the rows are the segment's, in order). */
void exchange_rows(pipeline *pl, mpi_job *m, pipeline *dp, uint32_t *const *orig_j);

/* Sends each decided row (its flags, county, the counties it is written
 * to, its result record) to the rank writing its segment, and builds there
 * the pipeline view ep that output_emit writes from. */
void exchange_results(pipeline *pl, pipeline *dp, mpi_job *m, pipeline *ep);

/* --forms, after output_emit: sends the text emit captured to the ranks
 * that decided the rows, so that they can build the motions. */
void exchange_captured(pipeline *ep, pipeline *dp, mpi_job *m);

/* Frees what exchange_rows and exchange_results built. */
void exchange_free_decider(pipeline *dp);
void exchange_free_view(pipeline *ep);

#endif
