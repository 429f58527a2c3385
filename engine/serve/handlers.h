/*
 * serve/handlers.h — the API's handlers, one file per resource (h_runs.c,
 * h_files.c, h_whatif.c, h_people.c, h_review.c, h_accounts.c, h_page.c,
 * h_status.c).
 * The route table (routes.c) names which answers what, and who may ask.
 */
#ifndef RELIEF_SERVE_HANDLERS_H
#define RELIEF_SERVE_HANDLERS_H

#include "serve/request.h"
#include "serve/server.h"

/* Every handler: req is authorized for the route's role; rep is set. */
typedef void serve_handler(serve_server *s, const serve_request *req, serve_reply *rep);

/* h_page.c: the page and the server's configuration */
serve_handler h_page, h_config;
/* h_accounts.c: office mode's sign-in */
serve_handler h_login, h_logout, h_me;
/* h_runs.c: runs queued, listed and shown; motions asked of a run */
serve_handler h_runs_post, h_runs_list, h_run_get, h_filings_post;
/* h_files.c: the input files, a run's bundle files and its zip */
serve_handler h_inputs, h_files_list, h_file_get, h_bundle_zip;
/* The files under root, [{name, size}] (relative names, at most 4 folders
 * deep, no hidden file, no link followed). */
struct json_t *serve_file_list(const char *root);
/* Replies with root/name when name is a plain relative name (no "." or ".."
 * part, no hidden file) of a regular file really inside root; false (rep
 * untouched) otherwise. */
bool serve_send_file_in(serve_reply *rep, const char *root, const char *name);
/* h_whatif.c: a summary under other options */
serve_handler h_whatif_post;
/* h_people.c: search a run's people, explain one */
serve_handler h_people_search, h_explain;
/* h_status.c: a person's status across the runs' review stores (the public defender) */
serve_handler h_person_status;
/* h_review.c: a run's review queue */
serve_handler h_review_start, h_review_routes, h_review_list, h_review_item, h_review_decide,
    h_review_bulk;
/* h_agency.c: each agency's own: filer profile, sheet, filings' files */
serve_handler h_filer_get, h_filer_post, h_review_sheet, h_agency_files, h_agency_file;

#endif
