/*
 * pipeline/exchange.c — a merged plan's data across a transport's ranks:
 * segment facts and distinct strings shared after parsing (so every rank
 * builds the same tables), rows sent by person partition to the rank that
 * groups and decides them, and decided rows sent back to the segment's
 * writer. Every message is packed in pipeline/wire.h's encoding.
 */
#include <omp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "pipeline/exchange.h"
#include "pipeline/wire.h"

static bool owns_segment(const pipeline *pl, size_t seg) {
  const pipeline_transport *t = pl->dist->t;
  return (int)(seg % (size_t)t->size) == t->rank;
}

relief_status exchange_check(const pipeline_dist *d, relief_error *err) {
  if (!d->too_big) return RELIEF_OK;
  *err = d->too_big_err;
  return err->status;
}

/* Sends out[r] to rank r (each padded to 8 bytes); returns what every rank
 * sent here, back to back (from[r] is where rank r's part starts,
 * from[size] the end). An exchange that cannot move marks d too big (every
 * rank alike) and returns nothing. sent: bytes sent to other ranks. */
static char *exchange(pipeline_dist *d, relief_buf *out, size_t *from, uint64_t *sent) {
  int n = d->t->size;
  for (int r = 0; r < n; r++) {
    wire_pad8(&out[r]);
    if (r != d->t->rank && sent) *sent += out[r].len;
  }
  char *in = NULL;
  relief_error err = {0};
  if (d->t->exchange(d->t->user, out, &in, from, &err)) {
    if (!d->too_big) d->too_big_err = err;
    d->too_big = true;
    free(in);
    in = xmalloc(8);
    for (int r = 0; r <= n; r++) from[r] = 0;
  }
  return in;
}

char *exchange_share_all(pipeline_dist *d, relief_buf *mine, size_t *from) {
  int n = d->t->size;
  wire_pad8(mine);
  relief_buf *out = xcalloc((size_t)n, sizeof *out);
  for (int r = 0; r < n; r++) out[r] = (relief_buf){mine->data, mine->len, mine->len};
  char *in = exchange(d, out, from, NULL);
  free(out); /* the buffers are mine's bytes, not copies */
  return in;
}

/* ---- after each parse wave: segment facts and strings ---- */

typedef struct {
  uint64_t newlines;
  uint8_t ends_clean, failed;
  relief_parse_error perr;
} seg_facts;

/* facts: only the owner's are non-zero, so an OR (by 8-byte words) gives
 * them to all */
static void share_facts(pipeline *pl, size_t from, size_t to) {
  pipeline_dist *d = pl->dist;
  size_t n = to - from, words = (n * sizeof(seg_facts) + 7) / 8;
  uint64_t *w = xcalloc(words ? words : 1, 8);
  seg_facts *facts = (seg_facts *)(void *)w;
  for (size_t i = from; i < to; i++) {
    if (!owns_segment(pl, i)) continue;
    segment_t *s = &pl->segs[i];
    facts[i - from].newlines = s->newlines;
    facts[i - from].ends_clean = s->ends_clean;
    facts[i - from].failed = s->failed;
    facts[i - from].perr = s->perr;
  }
  d->t->reduce(d->t->user, w, words, TRANSPORT_OR);
  for (size_t i = from; i < to; i++) {
    if (owns_segment(pl, i)) continue;
    segment_t *s = &pl->segs[i];
    s->newlines = facts[i - from].newlines;
    s->newlines_counted = true;
    s->ends_clean = facts[i - from].ends_clean;
    s->failed = facts[i - from].failed;
    s->perr = facts[i - from].perr;
  }
  free(w);
}

/* strings: each owner's distinct sections and counties, in id order */
static void share_strings(pipeline *pl, size_t from, size_t to) {
  pipeline_dist *d = pl->dist;
  relief_buf mine = {0};
  uint32_t n_mine = 0;
  wire_put_u32(&mine, 0); /* how many segments follow (the padding after them is not one) */
  for (size_t i = from; i < to; i++) {
    if (!owns_segment(pl, i)) continue;
    segment_t *s = &pl->segs[i];
    n_mine++;
    wire_put_u32(&mine, (uint32_t)i);
    wire_put_u32(&mine, (uint32_t)s->sections.n);
    wire_put_u32(&mine, (uint32_t)s->counties.n);
    for (int t = 0; t < 2; t++) {
      relief_intern *tab = t ? &s->counties : &s->sections;
      for (size_t id = 0; id < tab->n; id++) {
        size_t len;
        const char *str = intern_str(tab, (uint32_t)id, &len);
        wire_put_u32(&mine, (uint32_t)len);
        wire_put(&mine, str, len);
      }
    }
  }
  memcpy(mine.data, &n_mine, 4);
  size_t *at = xcalloc((size_t)d->t->size + 1, sizeof *at);
  char *all = exchange_share_all(d, &mine, at);
  for (int r = 0; r < d->t->size; r++) {
    if (r == d->t->rank || at[r] == at[r + 1]) continue;
    const char *p = all + at[r];
    for (uint32_t n_segs = wire_get_u32(&p); n_segs; n_segs--) {
      segment_t *s = &pl->segs[wire_get_u32(&p)];
      uint32_t n_sec = wire_get_u32(&p), n_cty = wire_get_u32(&p);
      for (uint32_t k = 0; k < n_sec + n_cty; k++) {
        uint32_t l = wire_get_u32(&p);
        intern_get(k < n_sec ? &s->sections : &s->counties, p, l);
        p += l;
      }
    }
  }
  free(all);
  free(at);
  buf_free(&mine);
}

static void share_segments(pipeline *pl, size_t from, size_t to) {
  share_facts(pl, from, to);
  share_strings(pl, from, to);
}

void exchange_install(pipeline *pl) {
  pl->owns_segment = owns_segment;
  pl->share_segments = share_segments;
}

void exchange_after_parse(pipeline *pl) {
  pipeline_dist *d = pl->dist;
  const pipeline_transport *t = d->t;
  size_t n = pl->n_segs;
  d->seg_rows = xcalloc(n + 1, sizeof *d->seg_rows);
  uint64_t *rows = xcalloc(n + 1, sizeof *rows);
  for (size_t i = 0; i < n; i++) rows[i] = pl->segs[i].n_rows; /* 0 where another rank parsed */
  t->reduce(t->user, rows, n, TRANSPORT_SUM);
  for (size_t i = 0; i < n; i++) d->seg_rows[i] = rows[i];
  free(rows);
  /* rank r writes the segments whose text starts in its share of the bytes */
  uint64_t total = 0, at = 0;
  for (size_t i = 0; i < n; i++) total += pl->segs[i].end - pl->segs[i].begin;
  d->emit_from = d->emit_to = 0;
  bool started = false;
  for (size_t i = 0; i < n; i++) {
    int owner = total ? (int)((unsigned __int128)at * (unsigned)t->size / total) : 0;
    if (owner >= t->size) owner = t->size - 1;
    if (owner == t->rank && !started) d->emit_from = i, started = true;
    if (owner <= t->rank) d->emit_to = i + 1;
    at += pl->segs[i].end - pl->segs[i].begin;
  }
  if (!started) d->emit_from = d->emit_to;
}

/* ---- rows to the rank of their person partition ---- */

void exchange_rows(pipeline *pl, pipeline *dp, uint32_t *const *orig_j) {
  pipeline_dist *m = pl->dist;
  double t0 = omp_get_wtime();
  int n = m->t->size;
  relief_buf *out = xcalloc((size_t)n, sizeof *out);
  for (size_t i = 0; i < pl->n_segs; i++) {
    segment_t *s = &pl->segs[i];
    for (size_t j = 0; j < s->n_rows; j++) {
      relief_buf *b = &out[people_partition(s->keys[j]) % (uint64_t)n];
      const char *ofn = s->rows[j].ofn_id ? s->ofns.data + s->rows[j].ofn_id - 1 : "";
      uint32_t ofn_len = (uint32_t)strlen(ofn);
      wire_put_u32(b, (uint32_t)i);
      wire_put_u32(b, orig_j ? orig_j[i][j] : (uint32_t)j);
      wire_put(b, &s->rows[j], sizeof s->rows[j]);
      wire_put(b, &s->keys[j], sizeof s->keys[j]);
      wire_put(b, &s->content[j], sizeof s->content[j]);
      wire_put_u32(b, ofn_len);
      wire_put(b, ofn, ofn_len);
      wire_pad8(b);
    }
    /* this rank no longer needs the parsed rows: the decider has them */
    free(s->rows), free(s->keys), free(s->content);
    s->rows = NULL, s->keys = NULL, s->content = NULL;
    buf_free(&s->ofns);
    s->n_rows = 0;
  }
  pl->n_rows = 0;
  size_t *from = xcalloc((size_t)n + 1, sizeof *from);
  char *in = exchange(m, out, from, &m->stats.bytes_rows);
  for (int r = 0; r < n; r++) buf_free(&out[r]);
  free(out);
  /* the decider: every segment, holding the rows of this rank's partitions
   * in their input order (a segment's rows all come from its one parser) */
  *dp = *pl;
  dp->dist = NULL; /* the decider counts this rank's own, from none */
  memset(&dp->statewide, 0, sizeof dp->statewide);
  dp->owns_segment = NULL;
  dp->share_segments = NULL;
  dp->progress = NULL;
  dp->spill = NULL; /* the decider groups what it holds, in memory */
  dp->batch_j = NULL;
  dp->segs = xcalloc(pl->n_segs + 1, sizeof *dp->segs);
  size_t *count = xcalloc(pl->n_segs + 1, sizeof *count);
  const size_t fixed = 8 + sizeof(row_rec) + sizeof(XXH128_hash_t) + 8 + 4;
  for (const char *p = in; p < in + from[n];) {
    const char *q = p;
    uint32_t seg = wire_get_u32(&q);
    count[seg]++;
    q = p + fixed - 4;
    uint32_t ofn_len = wire_get_u32(&q);
    p = wire_align8(in, q + ofn_len);
  }
  for (size_t i = 0; i < pl->n_segs; i++) {
    segment_t *s = &dp->segs[i];
    s->input = pl->segs[i].input;
    s->frame = pl->segs[i].frame;
    s->begin = pl->segs[i].begin;
    s->end = pl->segs[i].end;
    s->parsed = true;
    size_t c = count[i] ? count[i] : 1;
    s->rows = xmalloc(c * sizeof *s->rows);
    s->keys = xmalloc(c * sizeof *s->keys);
    s->content = xmalloc(c * sizeof *s->content);
    s->class_map = xmalloc(c * sizeof *s->class_map); /* here: each row's index in its segment */
  }
  dp->n_rows = 0;
  for (const char *p = in; p < in + from[n];) {
    uint32_t seg = wire_get_u32(&p), j = wire_get_u32(&p);
    segment_t *s = &dp->segs[seg];
    size_t k = s->n_rows++;
    memcpy(&s->rows[k], p, sizeof(row_rec));
    p += sizeof(row_rec);
    memcpy(&s->keys[k], p, sizeof(XXH128_hash_t));
    p += sizeof(XXH128_hash_t);
    memcpy(&s->content[k], p, 8);
    p += 8;
    uint32_t ofn_len = wire_get_u32(&p);
    if (s->rows[k].ofn_id) {
      s->rows[k].ofn_id = (uint32_t)s->ofns.len + 1;
      buf_append(&s->ofns, p, ofn_len);
      buf_putc(&s->ofns, 0);
    }
    s->class_map[k] = j;
    p = wire_align8(in, p + ofn_len);
    dp->n_rows++;
  }
  free(in);
  free(from);
  free(count);
  dp->forms = pl->forms;     /* --forms: the decider marks rows to capture ... */
  dp->keep_keys = pl->forms; /* ... and motions go out by person partition */
  dp->person_counties = NULL;
  dp->person_county_first = NULL;
  dp->motion_pairs = NULL;
  dp->n_motion_pairs = 0;
  dp->arenas = NULL;
  memset(&dp->groups, 0, sizeof dp->groups);
  m->stats.rows += omp_get_wtime() - t0;
}

/* ---- decided rows back to the rank writing their segment ---- */

static int writer_of(const pipeline_dist *m, const size_t *emit_from, size_t seg) {
  int r = 0;
  while (r + 1 < m->t->size && seg >= emit_from[r + 1]) r++;
  return r;
}

/* Where each rank's segments to write start (every rank's, in rank order). */
static size_t *writers(pipeline_dist *m) {
  int n = m->t->size;
  relief_buf mine = {0};
  wire_put(&mine, &(uint64_t){m->emit_from}, 8);
  wire_put(&mine, &(uint64_t){m->emit_to}, 8);
  size_t *at = xcalloc((size_t)n + 1, sizeof *at);
  char *all = exchange_share_all(m, &mine, at);
  buf_free(&mine);
  size_t *emit_from = xcalloc((size_t)n + 1, sizeof *emit_from);
  uint64_t range[2] = {0, 0}, before = 0;
  for (int r = 0; r < n; r++) {
    if (at[r + 1] - at[r] >= sizeof range) memcpy(range, all + at[r], sizeof range);
    emit_from[r] = range[0];
    /* a rank without segments starts where the next does */
    if (r > 0 && range[0] == range[1] && emit_from[r] < before) emit_from[r] = before;
    before = emit_from[r];
  }
  free(all);
  free(at);
  return emit_from;
}

/* Packs each decided row written to some county (its flags, county, the
 * counties it is written to, its result record) for the rank writing its
 * segment: out[rank]. */
static void pack_results(const pipeline *dp, const pipeline_dist *m, const size_t *emit_from,
                         relief_buf *out) {
  for (size_t i = 0; i < dp->n_segs; i++) {
    segment_t *s = &dp->segs[i];
    const uint32_t *orig = s->class_map;
    relief_buf *b = &out[writer_of(m, emit_from, i)];
    for (size_t k = 0; k < s->n_rows; k++) {
      const row_rec *r = &s->rows[k];
      size_t c0 = dp->person_county_first[r->person], c1 = dp->person_county_first[r->person + 1];
      if (c0 == c1) continue; /* written to no county */
      const struct row_result *res = s->result[k];
      size_t rlen = res ? m->result_bytes(res) : 0;
      wire_put_u32(b, (uint32_t)i);
      wire_put_u32(b, orig[k]);
      wire_put_u32(b, r->flags);
      wire_put_u32(b, r->county);
      wire_put_u32(b, s->capture ? s->capture[k] : 0);
      wire_put_u32(b, (uint32_t)(c1 - c0));
      wire_put_u32(b, (uint32_t)rlen);
      wire_put(b, dp->person_counties + c0, (c1 - c0) * sizeof *dp->person_counties);
      wire_pad8(b);
      if (rlen) wire_put(b, res, rlen);
      wire_pad8(b);
    }
  }
}

void exchange_results(pipeline *pl, pipeline *dp, pipeline *ep) {
  pipeline_dist *m = pl->dist;
  double t0 = omp_get_wtime();
  int n = m->t->size;
  size_t *emit_from = writers(m);
  relief_buf *out = xcalloc((size_t)n, sizeof *out);
  pack_results(dp, m, emit_from, out);
  size_t *from = xcalloc((size_t)n + 1, sizeof *from);
  char *in = exchange(m, out, from, &m->stats.bytes_results);
  for (int r = 0; r < n; r++) buf_free(&out[r]);
  free(out);
  free(emit_from);
  /* the writer's view: its segments, each row its own "person" whose
   * counties are the ones its person was decided in */
  *ep = *pl;
  ep->owns_segment = NULL;
  ep->share_segments = NULL;
  size_t nseg = m->emit_to - m->emit_from, base = 0;
  ep->segs = xcalloc(nseg + 1, sizeof *ep->segs);
  ep->n_segs = nseg;
  size_t *first_row = xcalloc(nseg + 1, sizeof *first_row);
  for (size_t i = 0; i < nseg; i++) {
    const segment_t *src = &pl->segs[m->emit_from + i];
    segment_t *s = &ep->segs[i];
    s->input = src->input;
    s->frame = src->frame;
    s->begin = src->begin;
    s->end = src->end;
    s->parsed = true;
    s->n_rows = m->seg_rows[m->emit_from + i];
    s->rows = xcalloc(s->n_rows + 1, sizeof *s->rows);
    s->result = xcalloc(s->n_rows + 1, sizeof *s->result);
    first_row[i] = base;
    for (size_t j = 0; j < s->n_rows; j++) s->rows[j].person = (uint32_t)(base + j);
    base += s->n_rows;
  }
  ep->n_people = base;
  ep->person_county_first = xcalloc(base + 1, sizeof *ep->person_county_first);
  if (pl->forms) {
    for (size_t i = 0; i < nseg; i++) ep->segs[i].capture = xcalloc(ep->segs[i].n_rows + 1, 1);
    m->capture_rank = xcalloc(base + 1, sizeof *m->capture_rank);
  }
  size_t total = 0;
  for (int pass = 0; pass < 2; pass++) {
    int src = 0;
    for (const char *p = in; p < in + from[n];) {
      const char *head = p;
      uint32_t seg = wire_get_u32(&p), j = wire_get_u32(&p), flags = wire_get_u32(&p),
               county = wire_get_u32(&p);
      uint32_t capture = wire_get_u32(&p), nc = wire_get_u32(&p), rlen = wire_get_u32(&p);
      const uint32_t *counties = (const uint32_t *)(const void *)p;
      p = wire_align8(in, p + nc * 4);
      const char *res = rlen ? p : NULL;
      p = wire_align8(in, p + rlen);
      size_t i = seg - m->emit_from, row = first_row[i] + j;
      segment_t *s = &ep->segs[i];
      if (pass == 0) {
        ep->person_county_first[row + 1] = nc;
        total += nc;
        s->rows[j].flags = (uint16_t)flags;
        s->rows[j].county = (uint16_t)county;
        s->result[j] = (const struct row_result *)(const void *)res;
        if (capture && s->capture) {
          s->capture[j] = (uint8_t)capture;
          while (src + 1 < n && (size_t)(head - in) >= from[src + 1]) src++;
          m->capture_rank[row] = src; /* the decider wants the text back */
        }
      } else {
        memcpy(ep->person_counties + ep->person_county_first[row], counties, nc * 4);
      }
    }
    if (pass == 0) {
      for (size_t r = 0; r < base; r++)
        ep->person_county_first[r + 1] += ep->person_county_first[r];
      ep->person_counties = xmalloc((total ? total : 1) * sizeof *ep->person_counties);
    }
  }
  m->first_row = first_row;
  free(from);
  m->results_buf = in;
  m->stats.results += omp_get_wtime() - t0;
}

static void free_captured(segment_t *s) {
  for (size_t k = 0; k < s->n_captured; k++) {
    captured_row *c = &s->captured[k];
    free(c->name), free(c->dob), free(c->cii), free(c->offense), free(c->cnt);
    free(c->subject), free(c->court);
  }
  free(s->captured);
  free(s->capture);
  s->captured = NULL;
  s->capture = NULL;
  s->n_captured = 0;
}

void exchange_free_decider(pipeline *dp) {
  for (size_t i = 0; i < dp->n_segs; i++) {
    segment_t *s = &dp->segs[i];
    free_captured(s);
    free(s->rows), free(s->keys), free(s->content), free(s->result), free(s->class_map);
    free(s->content_kept), free(s->content_rank), free(s->spill_counts);
    buf_free(&s->ofns);
  }
  free(dp->segs);
  pipeline_free_arenas(dp);
  people_groups_free(&dp->groups);
  free(dp->seg_rows), free(dp->seg_n_rows), free(dp->seg_keys), free(dp->seg_content);
  free(dp->seg_content_kept), free(dp->seg_content_rank);
  free(dp->seg_input), free(dp->seg_ofns);
  free(dp->person_counties), free(dp->person_county_first), free(dp->motion_pairs);
  memset(dp, 0, sizeof *dp);
}

void exchange_free_view(pipeline *ep) {
  for (size_t i = 0; i < ep->n_segs; i++) {
    free(ep->segs[i].rows), free(ep->segs[i].result), free(ep->segs[i].stream_text);
    free_captured(&ep->segs[i]);
  }
  free(ep->segs);
  free(ep->person_counties), free(ep->person_county_first);
  memset(ep, 0, sizeof *ep);
}

/* ---- --forms: captured text back to the decider ---- */

/* A string read back, copied (the received buffer is freed). */
static char *get_str(const char **p) {
  const char *str = wire_get_str(p);
  return str ? xstrdup(str) : NULL;
}

void exchange_captured(pipeline *ep, pipeline *dp) {
  pipeline_dist *m = ep->dist;
  double t0 = omp_get_wtime();
  int n = m->t->size;
  relief_buf *out = xcalloc((size_t)n, sizeof *out);
  for (size_t i = 0; i < ep->n_segs; i++) {
    segment_t *s = &ep->segs[i];
    for (size_t k = 0; k < s->n_captured; k++) {
      const captured_row *c = &s->captured[k];
      relief_buf *b = &out[m->capture_rank[m->first_row[i] + c->j]];
      wire_put_u32(b, (uint32_t)(m->emit_from + i));
      wire_put_u32(b, c->j);
      wire_put_str(b, c->name), wire_put_str(b, c->dob), wire_put_str(b, c->cii);
      wire_put_str(b, c->offense), wire_put_str(b, c->cnt);
      wire_put_str(b, c->subject), wire_put_str(b, c->court);
      wire_pad8(b);
    }
    free_captured(s);
  }
  size_t *from = xcalloc((size_t)n + 1, sizeof *from);
  char *in = exchange(m, out, from, &m->stats.bytes_results);
  for (int r = 0; r < n; r++) buf_free(&out[r]);
  free(out);
  /* rows arrive in segment order from each writer, in row order within a
   * segment: captured stays sorted by the decider's row index */
  for (const char *p = in; p < in + from[n];) {
    uint32_t seg = wire_get_u32(&p), j = wire_get_u32(&p);
    segment_t *s = &dp->segs[seg];
    size_t lo = 0, hi = s->n_rows; /* class_map: each decider row's index in the segment */
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (s->class_map[mid] < j)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (s->n_captured % 64 == 0)
      s->captured = xrealloc(s->captured, (s->n_captured + 64) * sizeof *s->captured);
    captured_row *c = &s->captured[s->n_captured++];
    c->j = (uint32_t)lo;
    c->name = get_str(&p), c->dob = get_str(&p), c->cii = get_str(&p);
    c->offense = get_str(&p), c->cnt = get_str(&p);
    c->subject = get_str(&p), c->court = get_str(&p);
    p = wire_align8(in, p);
  }
  free(in);
  free(from);
  m->stats.results += omp_get_wtime() - t0;
}
