/*
 * serve/conns.h — the server's open connections, bounded: each one's state
 * (when it began waiting for a request, whether a NUL was decoded from its
 * address), and a watchdog that closes a connection whose request line and
 * headers have not arrived within CONNS_HEADER_SECONDS (idle or trickling).
 */
#ifndef RELIEF_SERVE_CONNS_H
#define RELIEF_SERVE_CONNS_H

#include <microhttpd.h>
#include <stdbool.h>

#include "common/error.h"

/* The request line and headers must arrive within this many seconds of a
 * connection opening (or of its previous reply); a body has the daemon's
 * own inactivity timeout. */
enum { CONNS_HEADER_SECONDS = 4, CONNS_PER_ADDRESS = 16, CONNS_TOTAL = 256 };

typedef struct conns conns;

/* Starts the watchdog thread; NULL with err set when it cannot start. */
conns *conns_start(relief_error *err);

/* Stops the watchdog and frees cs (after the daemon stopped). */
void conns_stop(conns *cs);

/* MHD_OPTION_NOTIFY_CONNECTION's callback (cls: the conns). */
void conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                  enum MHD_ConnectionNotificationCode code);

/* MHD_OPTION_UNESCAPE_CALLBACK's callback: MHD's own decoding, with a
 * decoded NUL (%00) marked on the connection. */
size_t conns_unescape(void *cls, struct MHD_Connection *c, char *s);

/* The request's headers arrived (url and version as the access handler
 * gets them): the watchdog leaves it alone. True when its address held a
 * NUL: decoded from %00 (path or query), or a raw byte in the path. */
bool conns_request_began(struct MHD_Connection *c, const char *url, const char *version);

/* The request was answered: the connection waits for its next one. */
void conns_request_ended(struct MHD_Connection *c);

#endif
