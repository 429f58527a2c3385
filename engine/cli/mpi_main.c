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

static int rank;

static relief_status run_mpi(const relief_statewide_config *cfg, relief_statewide_result *res,
                             relief_error *err) {
  bool local = false;
  relief_buf stats = {0};
  relief_status st =
      relief_statewide_mpi(cfg, res, err, &local, getenv("RELIEF_MPI_STATS") ? &stats : NULL);
  if (stats.len) fwrite(stats.data, 1, stats.len, stderr);
  relief_buf_free(&stats);
  if (rank == 0) return st; /* cmd_statewide reports, writes errors.json on failure */
  if (st && local) {
    char line[3072];
    relief_error_format(err, line, sizeof line);
    fprintf(stderr, "relief-mpi (rank %d): %s\n", rank, line);
  }
  MPI_Finalize();
  exit(st ? (int)st : 0);
}

int main(int argc, char **argv) {
  int provided;
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
  cli_statewide_runner = run_mpi;
  cli_env env = {"relief", false};
  int code = cmd_statewide(argc - 1, argv + 1, &env);
  MPI_Finalize();
  return code;
}
