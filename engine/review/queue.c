/*
 * queue.c — the review queue one item at a time, for `relief serve`: record
 * a decision with notes and the reviewer, appended to the same audit trail
 * the sheet import writes (sheet "web"), through the bulk decision of
 * review/list.c, which also lists the queue.
 */
#define RELIEF_REVIEW_INTERNAL
#include "review/review.h"

relief_status review_decide(const char *outputs_dir, const char *item, const char *agency,
                            const char *decision, const char *notes, const char *reviewer,
                            relief_error *err) {
  /* one item of a bulk decision: the same checks (a Deny states its
   * grounds), the same agency bound and the same audit trail */
  review_filter f = {.account = agency};
  char *one[] = {(char *)item};
  long long n = 0;
  return review_decide_bulk(outputs_dir, &f, one, 1, decision, notes ? notes : "", reviewer, &n,
                            err);
}
