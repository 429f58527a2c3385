/*
 * common/arena.h — a bump allocator for many small strings that live and die
 * together (a thread's result text, a county's motions, a report model).
 * A NULL arena pointer is an empty arena.
 */
#ifndef RELIEF_COMMON_ARENA_H
#define RELIEF_COMMON_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;

/* n bytes from the arena *head (aligned to 16), growing it by 1 MB blocks. */
void *arena_alloc(arena_block **head, size_t n);

/* A NUL-terminated copy of s[0, n) in the arena. */
char *arena_strndup(arena_block **head, const char *s, size_t n);

/* Frees every block; *head becomes NULL. */
void arena_free(arena_block **head);

#endif
