/*
 * serve/worker.h — the server's one worker thread: queued runs, then
 * queued motions, then what-if tables of runs listed again after a restart,
 * one at a time, until the server stops.
 */
#ifndef RELIEF_SERVE_WORKER_H
#define RELIEF_SERVE_WORKER_H

/* The thread's body (pthread_create's start routine); server is the
 * serve_server. Returns once s->stopping is set and it is idle. */
void *worker_main(void *server);

#endif
