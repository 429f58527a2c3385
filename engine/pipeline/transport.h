/*
 * pipeline/transport.h — what the driver is given to run one plan across
 * several processes (relief-mpi's ranks): exchange bytes between every
 * pair, reduce numbers over all, gather bytes to one, and agree on a
 * failure. The pipeline packs and unpacks (pipeline/wire.h); a job
 * implements these with its message layer (job/job_mpi.c with MPI).
 */
#ifndef RELIEF_PIPELINE_TRANSPORT_H
#define RELIEF_PIPELINE_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"

typedef enum { TRANSPORT_SUM, TRANSPORT_MIN, TRANSPORT_MAX, TRANSPORT_OR } transport_op;

/* Root's piece of one rank's gathered bytes, in rank order. */
typedef relief_status (*transport_put)(void *put_user, int from, const void *piece, size_t n,
                                       relief_error *err);

typedef struct pipeline_transport {
  int rank, size; /* this process, and how many run the plan together */
  void *user;
  /* Every rank sends out[r] (out has size buffers, each a multiple of 8
   * bytes long) to rank r. *in (malloc'd, 8-byte aligned) gets what every
   * rank sent here, back to back in rank order: rank r's from from[r] to
   * from[r + 1] (from has size + 1 entries). Every rank gets the same
   * status: nonzero (err set) when an exchange could not move, and then
   * nothing moved anywhere (*in empty). */
  relief_status (*exchange)(void *user, const relief_buf *out, char **in, size_t *from,
                            relief_error *err);
  /* values[0 .. n) combined with op over the ranks, on every rank. */
  void (*reduce)(void *user, uint64_t *values, size_t n, transport_op op);
  /* Every rank's len bytes reach root, which hands them, its own first and
   * then each rank's in rank order, piece by piece to put. The others
   * return RELIEF_OK; root, put's first failure (it goes on receiving). */
  relief_status (*gather)(void *user, int root, const void *data, size_t len, transport_put put,
                          void *put_user, relief_error *err);
  /* Whether every rank is fine: returns st, or when another rank failed,
   * an error naming the first that did (every rank calls it together). */
  relief_status (*agree)(void *user, relief_status st, relief_error *err);
} pipeline_transport;

#endif
