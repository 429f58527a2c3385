/*
 * serve/h_people.c — a finished run's people: GET .../people?q= searches
 * its Prop64_Results files by name, CII or subject id (50 people at most),
 * GET .../explain?subject= decides one person again, step by step. An
 * office account finds and explains only people with an item of its
 * agency in the run's review. The search terms are never logged.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"
#include "io/read_small.h"
#include "review/review.h"
#include "serve/handlers.h"
#include "serve/run.h"

enum { PEOPLE_LIMIT = 50 };

static int column(const review_csv_reader *r, const char *name) {
  for (int i = 0; i < r->n_fields; i++)
    if (!strcmp(r->fields[i], name)) return i;
  return -1;
}

/* Text from an extract as a JSON string: UTF-8, a Windows-1252 byte
 * converted (json_string refuses what is not UTF-8, and the key went
 * missing). */
static json_t *text_json(const char *s) {
  if (!s) return json_null();
  size_t n;
  char *utf8 = text_to_utf8(s, strlen(s), &n);
  json_t *j = json_stringn(utf8, n);
  free(utf8);
  return j;
}

/* The columns a search reads, by index in the header. */
typedef struct {
  int subject, cii, name, dob, det;
} result_columns;

/* The person of the current row in people, added if there is room. */
static json_t *person_of(json_t *people, const review_csv_reader *r, const result_columns *c) {
  size_t i;
  json_t *p;
  json_array_foreach(people, i, p) {
    if (!strcmp(json_string_value(json_object_get(p, "subjectId")), r->fields[c->subject]))
      return p;
  }
  if ((int)json_array_size(people) >= PEOPLE_LIMIT) return NULL;
  p = json_object();
  json_object_set_new(p, "subjectId", text_json(r->fields[c->subject]));
  json_object_set_new(p, "cii", text_json(r->fields[c->cii]));
  json_object_set_new(p, "name", text_json(r->fields[c->name]));
  json_object_set_new(p, "dob", text_json(r->fields[c->dob]));
  json_object_set_new(p, "determinations", json_object());
  json_array_append_new(people, p);
  return p;
}

/* Upper case in place for matching: ASCII, and the Latin-1 letters of UTF-8
 * (U+00E0..U+00FE but U+00F7), which names in the extracts use. */
static void fold_case(char *s) {
  for (unsigned char *p = (unsigned char *)s; *p; p++) {
    if (*p >= 'a' && *p <= 'z') {
      *p = (unsigned char)(*p - 'a' + 'A');
    } else if (*p == 0xC3 && p[1] >= 0xA0 && p[1] <= 0xBE && p[1] != 0xB7) {
      p[1] = (unsigned char)(p[1] - 0x20);
      p++;
    }
  }
}

/* Rows of r whose name holds folded, or whose CII or subject id is q. */
static void search_rows(review_csv_reader *r, const char *q, const char *folded, json_t *people) {
  relief_error err = {0};
  if (review_csv_next(r, &err) != 1) return;
  result_columns c = {column(r, "SUBJECT_ID"), column(r, "CII_NUMBER"), column(r, "PRI_NAME"),
                      column(r, "PRI_DOB"), column(r, "Eligibility Determination")};
  if (c.subject < 0 || c.cii < 0 || c.name < 0 || c.dob < 0 || c.det < 0) return;
  while (review_csv_next(r, &err) == 1) {
    /* the name as the page shows it (UTF-8, folded), so that muñoz finds MU\xD1OZ */
    char *name = text_to_utf8(r->fields[c.name], strlen(r->fields[c.name]), NULL);
    fold_case(name);
    bool hit =
        strstr(name, folded) || !strcmp(r->fields[c.cii], q) || !strcmp(r->fields[c.subject], q);
    free(name);
    if (!hit) continue;
    json_t *found = person_of(people, r, &c);
    if (!found) continue;
    json_t *dets = json_object_get(found, "determinations");
    const char *d = r->fields[c.det][0] ? r->fields[c.det] : "(none)";
    json_object_set_new(dets, d, json_integer(json_integer_value(json_object_get(dets, d)) + 1));
  }
}

static void search_file(const char *path, const char *q, const char *folded, json_t *people) {
  char *text;
  size_t len;
  relief_error err = {0};
  /* the results of at most a bounded upload's worth of inputs */
  if (read_small_file(path, (size_t)SERVE_MAX_UPLOAD, "Prop 64 results", RELIEF_E_IO, &text, &len,
                      &err))
    return;
  review_csv_reader r;
  review_csv_init(&r, text, len, "Prop64_Results.csv");
  search_rows(&r, q, folded, people);
  review_csv_free(&r);
  free(text);
}

/* Whether the person (subject id, else CII) has an item of agency in the
 * run's review: what an office account may search and explain. */
static bool of_agency(const serve_run *r, const char *agency, const char *subject,
                      const char *cii) {
  bool yes = false;
  relief_error err = {0};
  if (review_store_exists(r->dir) &&
      !review_person_of_agency(r->dir, agency, subject, &yes, &err) && !yes && cii && *cii)
    review_person_of_agency(r->dir, agency, cii, &yes, &err);
  return yes;
}

/* Keeps in people only those with an item of agency. */
static void mine_only(const serve_run *r, const char *agency, json_t *people) {
  for (size_t i = json_array_size(people); i-- > 0;) {
    json_t *p = json_array_get(people, i);
    if (!of_agency(r, agency, json_string_value(json_object_get(p, "subjectId")),
                   json_string_value(json_object_get(p, "cii"))))
      json_array_remove(people, i);
  }
}

void h_people_search(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = county_run_of_request(s, req, rep);
  if (!r) return;
  if (r->status != RUN_DONE) return serve_reply_error(rep, 409, "the run has not finished");
  if (!req->q || strlen(req->q) < 2 || strlen(req->q) > 200)
    return serve_reply_error(rep, 400,
                             "q must be 2 to 200 characters of a name, CII or subject id");
  json_t *people = json_array();
  char *folded = xstrdup(req->q);
  fold_case(folded);
  DIR *d = opendir(r->dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (strncmp(e->d_name, "Prop64_Results", 14) || strstr(e->d_name, "Extended") ||
        !strstr(e->d_name, ".csv"))
      continue;
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", r->dir, e->d_name);
    search_file(path, req->q, folded, people);
  }
  if (d) closedir(d);
  free(folded);
  if (req->who) mine_only(r, req->who->agency, people);
  json_t *o = json_object();
  json_object_set_new(o, "people", people);
  serve_reply_json(rep, 200, o);
}

static void add_conviction(void *user, const relief_explain_conviction *c) {
  json_t *o = json_object();
  json_object_set_new(o, "index", json_integer(c->index));
  json_object_set_new(o, "row", json_integer((json_int_t)c->row));
  json_object_set_new(o, "codeSection", text_json(c->code_section));
  json_object_set_new(o, "county", text_json(c->county));
  char date[16] = "";
  if (c->disposition_known)
    snprintf(date, sizeof date, "%04d-%02d-%02d", c->disposition_year, c->disposition_month,
             c->disposition_mday);
  json_object_set_new(o, "disposition", json_string(date));
  json_object_set_new(o, "felony", json_boolean(c->felony));
  json_object_set_new(o, "relevant", json_boolean(c->relevant));
  json_t *features = json_array();
  for (int i = 0; relief_feature_name(i); i++)
    if (c->features & (1ull << i))
      json_array_append_new(features, json_string(relief_feature_name(i)));
  json_object_set_new(o, "features", features);
  json_t *facts = json_array(); /* the same, as sentences */
  for (int i = 0; relief_feature_sentence(i); i++)
    if (c->features & (1ull << i))
      json_array_append_new(facts, json_string(relief_feature_sentence(i)));
  json_object_set_new(o, "facts", facts);
  char verdict[512];
  relief_explain_verdict(c, verdict, sizeof verdict);
  json_object_set_new(o, "verdict", json_string(verdict));
  if (c->decided) {
    json_object_set_new(o, "rule", json_string(c->rule_id));
    json_object_set_new(o, "determination", json_string(c->determination));
    json_object_set_new(o, "reason", json_string(c->reason));
  }
  json_array_append_new(user, o);
}

static json_t *person_json(const relief_explain_person *person, json_t *convictions) {
  json_t *o = json_object();
  json_object_set_new(o, "name", text_json(person->name));
  json_object_set_new(o, "dob", text_json(person->dob));
  json_object_set_new(o, "cii", text_json(person->cii));
  json_object_set_new(o, "subjectId", text_json(person->subject_id));
  json_object_set_new(o, "deceased", json_boolean(person->deceased));
  json_object_set_new(o, "registered", json_boolean(person->registered));
  json_object_set_new(o, "flow", json_string(person->flow_name));
  json_object_set_new(o, "convictions", convictions);
  return o;
}

void h_explain(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = county_run_of_request(s, req, rep);
  if (!r) return;
  if (r->status != RUN_DONE) return serve_reply_error(rep, 409, "the run has not finished");
  if (!req->subject || !*req->subject || strlen(req->subject) > 120)
    return serve_reply_error(rep, 400, "subject must be a SUBJECT_ID or CII number");
  if (req->who && !of_agency(r, req->who->agency, req->subject, NULL))
    return serve_reply_error(rep, 404, "no such person in this run's inputs");
  for (int i = 0; i < r->n_inputs; i++) {
    relief_explain_config cfg = {.input = r->inputs[i],
                                 .subject = req->subject,
                                 .county = r->county,
                                 .compute_day = r->compute_day,
                                 .flow = r->fixed_flow ? &r->flow : NULL,
                                 .options = &r->options,
                                 .threads = s->cfg.threads};
    relief_explain_person person = {0};
    json_t *list = json_array();
    relief_error err = {0};
    relief_status st = relief_explain(&cfg, &person, add_conviction, list, &err);
    if (st || !person.found) json_decref(list);
    if (st) {
      char why[2200];
      relief_error_format(&err, why, sizeof why);
      serve_scrub(why, sizeof why);
      return serve_reply_error(rep, 500, why);
    }
    if (person.found) return serve_reply_json(rep, 200, person_json(&person, list));
  }
  serve_reply_error(rep, 404, "no such person in this run's inputs");
}
