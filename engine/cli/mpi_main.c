/*
 * mpi_main.c — relief-mpi: `mpirun -np N relief-mpi statewide <options>`
 * runs the statewide job across N ranks with the options and outputs of
 * `relief statewide`. Rank 0 reports and publishes; the others stay quiet
 * unless they fail themselves.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "job/job_mpi.h"

/* The statewide job across the ranks: every rank runs it with the same
 * settings. A rank other than 0 names its own failure here; rank 0 reports
 * the outcome through the statewide command. */
static relief_status run_across_ranks(const relief_settings *settings, relief_statewide_result *res,
                                      relief_error *err) {
  memset(res, 0, sizeof *res);
  relief_statewide_config cfg;
  relief_status st = job_statewide_config_of(settings, &cfg, err);
  bool local = st != RELIEF_OK;
  relief_buf stats = {0};
  if (!st)
    st = job_statewide_mpi(&cfg, res, err, &local, getenv("RELIEF_MPI_STATS") ? &stats : NULL);
  if (stats.len) fwrite(stats.data, 1, stats.len, stderr);
  buf_free(&stats);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != 0 && st && local) {
    char line[3072];
    relief_error_format(err, line, sizeof line);
    fprintf(stderr, "relief-mpi (rank %d): %s\n", rank, line);
  }
  return st;
}

int main(int argc, char **argv) {
  int provided, rank;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  cli_install_handlers();
  if (argc < 2 || strcmp(argv[1], "statewide")) {
    if (rank == 0)
      fprintf(stderr,
              "usage: mpirun -np N relief-mpi statewide <the options of relief statewide>\n");
    MPI_Finalize();
    return argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 1;
  }
  const cli_statewide_runner across_ranks = {run_across_ranks, rank == 0};
  cli_env env = {"relief", false};
  int code = cli_statewide_main(argc - 1, argv + 1, &env, &across_ranks);
  MPI_Finalize();
  return code;
}
