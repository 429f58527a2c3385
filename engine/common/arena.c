/*
 * arena.c — blocks of at least 1 MB handed out front to back and freed all
 * at once: formatting millions of short strings costs one malloc per MB.
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/arena.h"

struct arena_block {
  struct arena_block *next;
  size_t used, cap;
  _Alignas(16) char data[];
};

void *arena_alloc(arena_block **head, size_t n) {
  n = (n + 15) & ~(size_t)15;
  arena_block *b = *head;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > (1 << 20) ? n : (1 << 20);
    arena_block *nb = xmalloc(sizeof *nb + cap);
    nb->next = b;
    nb->used = 0;
    nb->cap = cap;
    *head = b = nb;
  }
  char *p = b->data + b->used;
  b->used += n;
  return p;
}

char *arena_strndup(arena_block **head, const char *s, size_t n) {
  char *out = arena_alloc(head, n + 1);
  if (n) memcpy(out, s, n);
  out[n] = 0;
  return out;
}

void arena_free(arena_block **head) {
  for (arena_block *b = *head, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  *head = NULL;
}
