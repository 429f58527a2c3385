/*
 * serve/run.h — one run the server holds (its request, status, progress,
 * summary and what-if table, and the motions asked of it) and the server's
 * list of runs: queued, found by id, freed. Fields change under s->lock.
 */
#ifndef RELIEF_SERVE_RUN_H
#define RELIEF_SERVE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relief/relief.h"
#include "rules/rules.h"
#include "serve/request.h"
#include "serve/server.h"
#include "serve/whatif.h"

struct json_t;

typedef enum { RUN_QUEUED, RUN_RUNNING, RUN_DONE, RUN_FAILED } run_status;

/* A county's own policy in a statewide run (as --county-policies gives
 * one): its options, or a flow. */
typedef struct {
  const char *county; /* canonical, static */
  relief_options options;
  relief_flow flow;
  bool has_flow;
} serve_policy;

/* "queued", "running", "done", "failed" */
extern const char *const run_status_names[];

struct serve_run {
  int id;
  run_status status;
  double progress; /* 0..1 */
  char phase[16];
  char **inputs; /* resolved paths under a --data folder */
  int n_inputs;
  char county[128];
  int32_t compute_day;
  relief_options options;
  bool fixed_flow;   /* else the configurable flow from options */
  bool review_files; /* Hand_Review.csv too: the bundle can be reviewed */
  relief_flow flow;
  char flow_name[64];
  /* statewide: every input one population, each county by its policy */
  bool statewide;
  serve_policy *policies;
  int n_policies;
  char *policies_json; /* "countyPolicies" as posted (NULL: none), for the record */
  char *dir;           /* workspace/runs/<id> */
  char *summary;       /* summary.json's text once done */
  char *error;         /* why it failed (no personal data) */
  whatif_table *whatif;
  double seconds;
  /* motions for the approved review items (POST .../filings): queued for
   * the worker like a run; by agency, as `relief filings` makes them */
  run_status filings; /* RUN_DONE with filings_asked false: never asked */
  bool filings_asked;
  char *filings_agency;   /* the agency filing, or NULL: every agency */
  long long motions;      /* written by the last filing */
  long long approved;     /* approved items it filed from */
  char *filings_error;    /* why it failed, or which agencies were refused */
  char *filings_agencies; /* JSON array: per agency, motions, not filed, error */
  /* kept in the run's record (run_record.c) */
  char *options_json; /* the options object as posted */
  char *flow_path;    /* flow "file": its resolved path */
  /* listed again after a restart: the worker rebuilds the what-if table */
  bool whatif_pending;
  char *whatif_error; /* why it could not (inputs changed) */
};

void run_free(serve_run *r);

/* Frees every run of s. */
void runs_free(serve_server *s);

/* Adds r to s's list (the caller holds s->lock, or no other thread runs). */
void runs_append(serve_server *s, serve_run *r);

/* Numbers r by making its folder runs/<id> (mkdir: an id is never shared,
 * even with another writer) and sets r->dir; false when none can be made. */
bool runs_number(serve_server *s, serve_run *r);

/* Lists numbered run r as queued and wakes the worker. */
void runs_queue(serve_server *s, serve_run *r);

/* The run of the request's {id}, or NULL with rep set to 404. */
serve_run *run_of_request(serve_server *s, const serve_request *req, serve_reply *rep);

/* The same for what works on one county's bundle (review, people, explain,
 * filings): a statewide run is refused (409), it has a bundle per county. */
serve_run *county_run_of_request(serve_server *s, const serve_request *req, serve_reply *rep);

/* The runs listed now (malloc'd; a run is never freed while the server
 * answers), *n of them. */
serve_run **runs_snapshot(serve_server *s, int *n);

/* Options from a JSON object, as an options file would give them; false
 * with why set when they are not valid. */
bool run_parse_options(struct json_t *o, relief_options *opt, char *why, size_t cap);

/* The options object's compact text as a run's record keeps it ("{}" when
 * options is absent or not an object; malloc'd). */
char *run_options_text(struct json_t *options);

/* "countyPolicies" (run_policies.c): {"COUNTY": options object, "los-angeles",
 * or an options or flow file under --data}, as a --county-policies file
 * maps them, into r->policies (and r->policies_json). false with why set
 * (and *status, 400 or 403) when it is not valid. */
bool run_take_policies(const serve_server *s, struct json_t *o, serve_run *r, char *why, size_t cap,
                       int *status);

/* The policies of r as a statewide configuration takes them (malloc'd,
 * r->n_policies of them, pointing into r). */
relief_county_policy *run_policies(const serve_run *r);

#endif
