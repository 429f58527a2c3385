/*
 * job/job_mpi.h — job_statewide_mpi: the statewide job across the ranks
 * of MPI_COMM_WORLD (relief-mpi only). Same configuration, same outputs.
 */
#ifndef RELIEF_JOB_MPI_H
#define RELIEF_JOB_MPI_H

#include <stdbool.h>

#include "common/buf.h"
#include "job/job_config.h"

/* Every rank calls it with the same configuration; rank 0 publishes. All
 * ranks return the same success or failure; err holds this rank's error
 * (or "another rank failed"). *local is set when the failure was this
 * rank's own. stats, when not NULL (every rank alike), receives on rank 0
 * the phase timings (RELIEF_MPI_STATS), for the caller to print. */
relief_status job_statewide_mpi(const relief_statewide_config *cfg, relief_statewide_result *res,
                                relief_error *err, bool *local, relief_buf *stats);

#endif
